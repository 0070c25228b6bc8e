/** Singular-value spectra of recurrent weight matrices, with reference lines at 1 or 1/γ. */
import { lineChart } from "./line";
import type { PanelOptions, ReferenceLine, TopLevelSpec } from "./types";

/** Input of {@link spectrumChart}. */
export interface SpectrumInput extends PanelOptions {
  /** One spectrum per matrix, e.g. { name: "W_rec at init", values: σ₁ ≥ σ₂ ≥ … }. */
  spectra: readonly { name: string; values: readonly number[] }[];
  /** Reference lines, e.g. `[{ y: 1, label: "σ = 1" }, { y: 4, label: "1/γ (sigmoid)" }]`. */
  referenceLines?: readonly ReferenceLine[];
  /** Log y axis (default true: spectra span decades; a zero singular value shows as "0 (underflow)"). */
  logY?: boolean;
}

/**
 * Singular values σ_i against their index i (dots joined by thin lines), several matrices compared.
 * Pascanu et al. (2013): σ₁ < 1/γ is sufficient for vanishing gradients, σ₁ > 1/γ necessary for exploding.
 * @example spectrumChart({ spectra: [{ name: "W_rec", values: sigma }], referenceLines: [{ y: 1, label: "σ = 1" }] })
 */
export function spectrumChart(input: SpectrumInput): TopLevelSpec {
  if (input.spectra.length === 0) throw new Error("spectrumChart: expected at least one spectrum, got none");
  return lineChart({
    ...input,
    xTitle: input.xTitle ?? "index i",
    yTitle: input.yTitle ?? "singular value σ_i",
    logY: input.logY ?? true,
    series: input.spectra.map((s) => ({ name: s.name, x: s.values.map((_, i) => i + 1), y: s.values, points: true, strokeWidth: 1 })),
    legendTitle: input.spectra.length > 1 ? "matrix" : undefined,
  });
}
