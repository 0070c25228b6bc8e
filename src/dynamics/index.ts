/**
 * Dynamics: the maths behind the figures of Grosse (2017) and Pascanu et al. (2013). Every function returns
 * plain data (rows or arrays of numbers) that charts are built from elsewhere.
 */
export * from "./grid";
export * from "./fixedpoints";
export * from "./iterated";
export * from "./univariate";
export * from "./latching";
export * from "./figure3";
export * from "./bifurcation";
export * from "./landscape";
export * from "./figure4";
export * from "./lyapunov";
