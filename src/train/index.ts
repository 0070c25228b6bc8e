/** Training: optimizers, synthetic long-range tasks with fixed evaluation sets, models and the training loop. */
export * from "./optim";
export * from "./tasks";
export * from "./model";
export * from "./trainer";
export * from "./eval-sets";
