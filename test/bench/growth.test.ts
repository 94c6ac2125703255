import { describe, expect, it } from "vitest";
import { fittedExponent, growthExponent } from "../../bench/measure.js";

describe("bench: growth exponents", () => {
  it("between two sizes: 10x the input at 12x the time is k = log 12 / log 10", () => {
    expect(growthExponent(1000, 5, 10_000, 60)).toBeCloseTo(Math.log(12) / Math.log(10), 12);
  });

  it("fitted to an exact power law gives its exponent", () => {
    const points = [1000, 10_000, 50_000, 100_000].map((n) => ({ n, t: 3 * n ** 1.25 }));
    expect(fittedExponent(points)).toBeCloseTo(1.25, 12);
  });

  it("fitted to noisy points gives the least-squares slope on log-log", () => {
    // log10 n = 0, 1, 3 and log10 t = 0, 2, 2: the least-squares slope is 24/42, where the end points
    // alone would give 2/3 and the neighbours 2 and 0.
    expect(fittedExponent([{ n: 1, t: 1 }, { n: 10, t: 100 }, { n: 1000, t: 100 }])).toBeCloseTo(24 / 42, 12);
  });

  it("is not a number for fewer than two sizes, one size repeated, or a time that is not positive", () => {
    expect(fittedExponent([{ n: 10, t: 1 }])).toBeNaN();
    expect(fittedExponent([{ n: 10, t: 1 }, { n: 10, t: 2 }])).toBeNaN();
    expect(fittedExponent([{ n: 10, t: 1 }, { n: 100, t: NaN }])).toBeNaN();
    expect(fittedExponent([{ n: 10, t: 0 }, { n: 100, t: 5 }])).toBeNaN();
  });
});
