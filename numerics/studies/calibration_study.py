"""§9.5 of the ATM-skew paper: rough Heston against per-slice SABR / quadratic smiles.

A rough Heston surface (H 0.12, eta 0.9, rho -0.65, kappa 2.5, theta 0.04, V0 0.04;
S = 1, r = q = 0) is priced by ``numerics.rough_heston.price`` at 5 maturities x 9 strikes
(K/S in [0.85, 1.15]); 5 bps of Gaussian noise is added to each implied vol (one draw per
seed).  Fitted to the same 45 quotes, with the same weights (sqrt(T) exp(-10 m^2)):
rough Heston (6 parameters, ``numerics.calibration``), the paper's per-slice quadratic
sigma = a + b m + c m^2 (15 parameters) and per-slice Hagan SABR (beta = 1; 15 parameters).
Out of sample at T = 0.75 and 1.5 (noisy quotes of the same kind, and the noise-free
truth): rough Heston with its calibrated parameters; the per-slice smiles by the readings
of the paper's rule listed in ``RULES`` and by interpolating total implied variance.
"""
from __future__ import annotations

import json
import math
import os
import time

import numpy as np

from numerics import calibration as cal
from numerics import rough_heston as rh
from numerics import sabr
from numerics.black_scholes import implied_vol

TRUE = dict(H=0.12, kappa=2.5, theta=0.04, eta=0.9, rho=-0.65, V0=0.04)
T_IN = [0.1, 0.25, 0.5, 1.0, 2.0]
T_OUT = [0.75, 1.5]
MONEYNESS = np.linspace(0.85, 1.15, 9)
NOISE = 5e-4
PAPER = dict(in_rh=[3.9, 5.3, 4.9, 7.9, 6.2], in_sabr=[5.0, 5.2, 5.2, 8.2, 6.8], in_rh_avg=5.7,
             in_sabr_avg=6.1, out_rh=[8.5, 18.8], out_sabr=[54.0, 123.0], out_rh_avg=13.6,
             out_sabr_avg=88.5, time_s=0.91)
RULES = {
    "nearest": "the nearest in-sample slice's smile, unchanged (ties: the shorter slice)",
    "linear_T": "coefficients linear in T through the two neighbouring slices",
    "extrapolate": "coefficients linearly extrapolated from the two nearest shorter slices",
    "total_variance": "total implied variance sigma^2 T linear in T at fixed K/S between the neighbouring slices' fitted smiles",
}


def true_ivs(Ts):
    return np.array([implied_vol(rh.price(TRUE, MONEYNESS, T), 1.0, MONEYNESS, T) for T in Ts])


def _weights(T):
    m = MONEYNESS - 1.0
    return math.sqrt(T) * np.exp(-10.0 * m * m)


def _rmse(e):
    return float(np.sqrt(np.mean(np.square(e)))) * 1e4


def _neighbours(T):
    lo = max(t for t in T_IN if t < T)
    hi = min(t for t in T_IN if t > T)
    return lo, hi


def _slice_oos(fits, vol_fn, param_keys, T):
    """Per-slice smiles at an unseen T by every rule; fits: {T_in: params dict}."""
    lo, hi = _neighbours(T)
    shorter = sorted(t for t in T_IN if t < T)[-2:]
    out = {}
    near = lo if (T - lo) <= (hi - T) else hi
    out["nearest"] = vol_fn(fits[near], T)
    for name, (t1, t2) in (("linear_T", (lo, hi)), ("extrapolate", tuple(shorter))):
        x = (T - t1) / (t2 - t1)
        p = {k: (1 - x) * fits[t1][k] + x * fits[t2][k] for k in param_keys}
        out[name] = vol_fn(p, T)
    w1 = vol_fn(fits[lo], lo) ** 2 * lo
    w2 = vol_fn(fits[hi], hi) ** 2 * hi
    x = (T - lo) / (hi - lo)
    out["total_variance"] = np.sqrt(np.maximum((1 - x) * w1 + x * w2, 0.0) / T)
    return out


def _quad_vol(p, T):
    return sabr.quadratic_vol(MONEYNESS, 1.0, p)


def _sabr_vol(p, T):
    rho = float(np.clip(p["rho"], -0.999, 0.999))
    return sabr.hagan_vol(MONEYNESS, 1.0, T, max(p["alpha"], 1e-8), 1.0, rho, max(p["nu"], 0.0))


def one_seed(seed, truth_in, truth_out, quick=False):
    rng = np.random.default_rng(seed)
    q_in = truth_in + NOISE * rng.standard_normal(truth_in.shape)
    q_out = truth_out + NOISE * rng.standard_normal(truth_out.shape)
    surf = cal.Surface.from_grid(T_IN, MONEYNESS, q_in, spot=1.0)
    t0 = time.perf_counter()
    fit = cal.calibrate(surf, seed=0)
    t_rh = time.perf_counter() - t0
    p = fit.params
    # every rough Heston number re-priced by the independent pricer
    rh_in = np.array([implied_vol(rh.price(p, MONEYNESS, T), 1.0, MONEYNESS, T) for T in T_IN])
    rh_out = np.array([implied_vol(rh.price(p, MONEYNESS, T), 1.0, MONEYNESS, T) for T in T_OUT])
    res = dict(seed=seed, time_rh=t_rh, converged=fit.converged, params=p,
               rh_in=[_rmse(rh_in[i] - q_in[i]) for i in range(len(T_IN))],
               rh_in_engine=[fit.rmse_by_maturity_bps[T] for T in T_IN],
               rh_out=[_rmse(rh_out[j] - q_out[j]) for j in range(len(T_OUT))],
               rh_out_truth=[_rmse(rh_out[j] - truth_out[j]) for j in range(len(T_OUT))],
               rh_fit_in=rh_in, rh_fit_out=rh_out, q_in=q_in, q_out=q_out)
    t0 = time.perf_counter()
    quad = {T: sabr.quadratic_slice(MONEYNESS, 1.0, q_in[i], _weights(T)) for i, T in enumerate(T_IN)}
    t_q = time.perf_counter() - t0
    t0 = time.perf_counter()
    sab = {T: sabr.calibrate_slice(MONEYNESS, 1.0, T, q_in[i], beta=1.0, weights=_weights(T))
           for i, T in enumerate(T_IN)}
    t_s = time.perf_counter() - t0
    res.update(time_quad=t_q, time_sabr=t_s)
    # §9.3's implied H from the SABR term structure: ATM skews of the slices, power law in T
    sk = [sabr.atm_skew(1.0, T, f["alpha"], 1.0, f["rho"], f["nu"]) for T, f in sab.items()]
    res["H_sabr"] = sabr.skew_power_law(T_IN, sk)["H"]
    res["sabr_fits"] = sab
    for name, fits, fn, keys in (("quad", quad, _quad_vol, ("a", "b", "c")),
                                 ("sabr", sab, _sabr_vol, ("alpha", "rho", "nu"))):
        res[f"{name}_in"] = [_rmse(fn(fits[T], T) - q_in[i]) for i, T in enumerate(T_IN)]
        res[f"{name}_fit_in"] = np.array([fn(fits[T], T) for T in T_IN])
        for rule in RULES:
            vols = [_slice_oos(fits, fn, keys, T)[rule] for T in T_OUT]
            res[f"{name}_out_{rule}"] = [_rmse(vols[j] - q_out[j]) for j in range(len(T_OUT))]
            res[f"{name}_out_{rule}_truth"] = [_rmse(vols[j] - truth_out[j]) for j in range(len(T_OUT))]
            res[f"{name}_fit_out_{rule}"] = np.array(vols)
    return res


def _ms(rows):
    """mean and standard error over seeds, per column."""
    a = np.asarray(rows, float)
    n = a.shape[0]
    return a.mean(axis=0), (a.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(a.shape[1:], np.nan))


def run(out_dir, quick=False, seeds=None, progress=print):
    """Run the study; write ``report.md``, ``results.json`` and figures to ``out_dir``.
    ``quick``: 3 seeds (a smoke run); default 20 seeds (``seeds`` overrides)."""
    n_seeds = seeds if seeds is not None else (3 if quick else 20)
    if not isinstance(n_seeds, int) or n_seeds < 2:
        raise ValueError(f"seeds must be an integer >= 2 (mean and standard error), got {n_seeds!r}")
    os.makedirs(out_dir, exist_ok=True)
    t_start = time.perf_counter()
    truth_in, truth_out = true_ivs(T_IN), true_ivs(T_OUT)
    runs = []
    for s in range(n_seeds):
        runs.append(one_seed(s, truth_in, truth_out, quick))
        if progress:
            r = runs[-1]
            progress(f"study calibration: seed {s + 1}/{n_seeds}: rough Heston in-sample "
                     f"{np.mean(r['rh_in']):.2f} bps, out {np.mean(r['rh_out']):.2f} bps "
                     f"({r['time_rh']:.2f} s)")
    out = dict(n_seeds=n_seeds, noise_bps=NOISE * 1e4, T_in=T_IN, T_out=T_OUT,
               moneyness=MONEYNESS.tolist(), true_params=TRUE, paper=PAPER, rules=RULES)
    for key in ["rh_in", "rh_in_engine", "quad_in", "sabr_in", "rh_out", "rh_out_truth"] + \
            [f"{m}_out_{r}{t}" for m in ("quad", "sabr") for r in RULES for t in ("", "_truth")]:
        mean, se = _ms([r[key] for r in runs])
        avg = np.asarray([np.mean(r[key]) for r in runs])
        out[key] = dict(mean=mean.tolist(), se=se.tolist(), avg_mean=float(avg.mean()),
                        avg_se=float(avg.std(ddof=1) / math.sqrt(avg.size)))
    # who wins each in-sample maturity (per seed), rough Heston vs the quadratic
    wins = np.array([[r["rh_in"][i] < r["quad_in"][i] for i in range(len(T_IN))] for r in runs])
    out["rh_beats_quad_in_fraction"] = wins.mean(axis=0).tolist()
    names = list(TRUE)
    P = np.array([[r["params"][k] for k in names] for r in runs])
    pm, pse = _ms(P)
    out["recovery"] = {k: dict(true=TRUE[k], mean=float(pm[i]), se=float(pse[i]),
                               sd=float(P[:, i].std(ddof=1))) for i, k in enumerate(names)}
    out["delta_layer"] = _delta_layer(runs[0], truth_in)
    hs = np.array([r["H_sabr"] for r in runs])
    ts = rh.atm_skew_term_structure(TRUE, T_IN)
    exact = sabr.skew_power_law(T_IN, ts["skew"])
    out["implied_H"] = dict(sabr_mean=float(hs.mean()), sabr_se=float(hs.std(ddof=1) / math.sqrt(hs.size)),
                            model_skew_H=exact["H"], model_skew_H_se=exact["H_se"],
                            model_skew=[float(v) for v in ts["skew"]])
    for k in ("time_rh", "time_quad", "time_sabr"):
        v = np.array([r[k] for r in runs])
        out[k] = dict(median=float(np.median(v)), min=float(v.min()), max=float(v.max()))
    out["converged"] = int(sum(r["converged"] for r in runs))
    out["engine_vs_reference_max_bps"] = float(max(
        abs(a - b) for r in runs for a, b in zip(r["rh_in"], r["rh_in_engine"])))
    out["claims"] = _claims(out)
    out["wall_s"] = time.perf_counter() - t_start
    _figures(out_dir, runs[0], truth_in, truth_out, out)
    with open(os.path.join(out_dir, "results.json"), "w") as fh:
        json.dump(out, fh, indent=1, default=str)
    with open(os.path.join(out_dir, "report.md"), "w") as fh:
        fh.write(report(out))
    return out


def _delta_layer(r, truth_in):
    """§9.3's corrected delta on the generated surface (seed 0 fits): rough Heston's own delta
    (numerics.rough_heston.greeks, true parameters) against the SABR delta, before and after
    the correction with c fitted by least squares over the 45 quotes (rho_sv = rho, H true)."""
    d_rh, d_sabr, v_sabr, Ts = [], [], [], []
    for T in T_IN:
        f = r["sabr_fits"][T]
        d_rh.append(rh.greeks(TRUE, MONEYNESS, T)["call_delta"])
        dl, vg = sabr.sabr_delta(MONEYNESS, 1.0, T, f["alpha"], 1.0, f["rho"], f["nu"])
        d_sabr.append(dl)
        v_sabr.append(vg)
        Ts.append(np.full(MONEYNESS.size, T))
    d_rh, d_sabr, v_sabr, Ts = (np.concatenate(a) for a in (d_rh, d_sabr, v_sabr, Ts))
    g = v_sabr * TRUE["rho"] * Ts ** (TRUE["H"] - 0.5)          # the correction per unit c (S = 1)
    c = float(g @ (d_rh - d_sabr) / (g @ g))
    corr = np.concatenate([sabr.corrected_delta(d_sabr[Ts == T], v_sabr[Ts == T], 1.0, TRUE["rho"], c, T,
                                                TRUE["H"]) for T in T_IN])
    rms = lambda e: float(np.sqrt(np.mean(e * e)))
    by_T = {T: (rms((d_sabr - d_rh)[Ts == T]), rms((corr - d_rh)[Ts == T])) for T in T_IN}
    return dict(c=c, rms_before=rms(d_sabr - d_rh), rms_after=rms(corr - d_rh), by_T=by_T)


def _claims(o):
    """The paper's §9.5 claims, each decided on the mean +- 2 SE over seeds."""
    def lt(a, b):   # a < b beyond 2 SE of the difference
        return a["avg_mean"] + 2 * a["avg_se"] < b["avg_mean"] - 2 * b["avg_se"]
    c = []
    rh_in, q_in = o["rh_in"], o["quad_in"]
    c.append(("in-sample: rough Heston (6 parameters here; no jumps in the surface) beats the per-slice quadratic (15) on average",
              "holds" if lt(rh_in, q_in) else ("fails" if lt(q_in, rh_in) else "undecided")))
    nwin = sum(f > 0.5 for f in o["rh_beats_quad_in_fraction"])
    c.append(("in-sample: rough Heston wins 4 of 5 maturities",
              f"{'holds' if nwin >= 4 else 'fails'} (wins {nwin} of 5 by majority over seeds)"))
    ratios = {r: o[f"quad_out_{r}"]["avg_mean"] / o["rh_out"]["avg_mean"] for r in RULES}
    ok = [r for r, v in ratios.items() if v >= 6.5 / 1.25]
    c.append(("out of sample: rough Heston about 6.5x better than the per-slice quadratic",
              "quadratic / rough Heston RMSE ratio by rule: "
              + ", ".join(f"{r} {v:.1f}x" for r, v in ratios.items())
              + (f"; a factor >= 5.2 holds only for {', '.join(ok)}" if ok else "; no rule reaches 5.2x")
              + ", and rough Heston is better under every rule" * all(v > 1 for v in ratios.values())))
    near = [r for r in RULES if abs(o[f"quad_out_{r}"]["avg_mean"] - 88.5) <= 0.1 * 88.5]
    c.append(("out of sample: the per-slice quadratic reaches 88.5 bps on average",
              "within 10 % under " + ", ".join(f"{r} ({o[f'quad_out_{r}']['avg_mean']:.1f} bps)" for r in near)
              if near else "reproduced by no reading (" + ", ".join(
                  f"{r} {o[f'quad_out_{r}']['avg_mean']:.1f}" for r in RULES) + " bps)"))
    c.append(("in-sample: the quadratic fits every slice to about the noise (5.0-8.2 bps)",
              "fails: " + ", ".join(f"T={T:g}: {v:.1f} bps" for T, v in zip(T_IN, q_in["mean"]))
              + " (the short smiles are not quadratic in K/S over [0.85, 1.15])"
              if max(q_in["mean"]) > 2 * 8.2 else "holds"))
    floor = o["noise_bps"] * math.sqrt(1 - 6 / 45)
    verdict = ("holds" if abs(rh_in["avg_mean"] - 5.7) <= 2 * rh_in["avg_se"] + 0.05 else
               "not reproduced")
    c.append(("rough Heston in-sample RMSE about 5.7 bps at 5 bps noise",
              f"{verdict}: {rh_in['avg_mean']:.2f} ± {rh_in['avg_se']:.2f} bps measured; an exact "
              f"6-parameter fit leaves about {floor:.2f} bps of the noise"))
    return c


def _figures(out_dir, r, truth_in, truth_out, o):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Ts = T_IN + T_OUT
    fig, axes = plt.subplots(2, 4, figsize=(15, 7), sharex=True)
    for ax, T in zip(axes.ravel(), Ts):
        oos = T in T_OUT
        i = (T_OUT if oos else T_IN).index(T)
        q = (r["q_out"] if oos else r["q_in"])[i]
        tr = (truth_out if oos else truth_in)[i]
        ax.plot(MONEYNESS, q * 100, "ko", ms=4, label="quotes (truth + 5 bps noise)")
        ax.plot(MONEYNESS, tr * 100, "k:", label="true rough Heston")
        ax.plot(MONEYNESS, (r["rh_fit_out"] if oos else r["rh_fit_in"])[i] * 100, "C0-", label="rough Heston fit")
        if oos:
            ax.plot(MONEYNESS, r["quad_fit_out_linear_T"][i] * 100, "C1--", label="quadratic, coefficients linear in T")
            ax.plot(MONEYNESS, r["sabr_fit_out_total_variance"][i] * 100, "C2-.", label="SABR, total variance")
        else:
            ax.plot(MONEYNESS, r["quad_fit_in"][i] * 100, "C1--", label="per-slice quadratic")
            ax.plot(MONEYNESS, r["sabr_fit_in"][i] * 100, "C2-.", label="per-slice SABR (beta 1)")
        ax.set_title(f"T = {T:g} y" + (" (out of sample)" if oos else ""))
        ax.set_xlabel("K / S")
        ax.set_ylabel("implied vol (%)")
    axes.ravel()[-1].axis("off")
    h, l = axes.ravel()[0].get_legend_handles_labels()
    h2, l2 = axes.ravel()[5].get_legend_handles_labels()
    axes.ravel()[-1].legend(h + h2[3:], l + l2[3:], loc="center", fontsize=8)
    fig.suptitle("§9.5 surface, seed 0: smiles and fits")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "smiles.png"), dpi=90)
    plt.close(fig)

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    for ax, (name, key) in zip(axes, (("rough Heston", "rh_fit_in"), ("quadratic", "quad_fit_in"),
                                      ("SABR", "sabr_fit_in"))):
        for i, T in enumerate(T_IN):
            ax.plot(MONEYNESS, (r[key][i] - r["q_in"][i]) * 1e4, "o-", ms=3, label=f"T = {T:g}")
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{name}: residuals (seed 0)")
        ax.set_xlabel("K / S")
    axes[0].set_ylabel("model - quote (bps)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "residuals.png"), dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(T_IN))
    for k, (key, lab) in enumerate((("rh_in", "rough Heston"), ("quad_in", "quadratic"), ("sabr_in", "SABR"))):
        ax.errorbar(x + 0.1 * (k - 1), o[key]["mean"], yerr=o[key]["se"], fmt="o", capsize=3, label=lab)
    ax.plot(x, PAPER["in_rh"], "C0x", label="paper: rough Heston")
    ax.plot(x, PAPER["in_sabr"], "C1x", label="paper: quadratic ('SABR')")
    ax.axhline(NOISE * 1e4, color="k", ls=":", label="noise (5 bps)")
    ax.set_xticks(x, [f"{T:g}" for T in T_IN])
    ax.set_xlabel("maturity (years)")
    ax.set_ylabel("in-sample RMSE (bps)")
    ax.set_title(f"in-sample RMSE, mean +- SE over {o['n_seeds']} seeds")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "rmse_by_maturity.png"), dpi=90)
    plt.close(fig)


def _pm(d, i=None):
    if i is None:
        return f"{d['avg_mean']:.1f} ± {d['avg_se']:.1f}"
    return f"{d['mean'][i]:.1f} ± {d['se'][i]:.1f}"


def report(o):
    L = [f"# §9.5 reproduced: rough Heston against per-slice smiles ({o['n_seeds']} noise seeds)", ""]
    L += ["Surface: rough Heston " + ", ".join(f"{k} {v:g}" for k, v in o["true_params"].items())
          + f"; S = 1, r = q = 0; maturities {o['T_in']}, 9 strikes K/S in [0.85, 1.15]; "
          f"{o['noise_bps']:g} bps Gaussian noise on each implied vol, a new draw per seed. "
          "Every rough Heston number below is re-priced by `numerics.rough_heston.price` (the "
          "calibration engine's own pricer differs from it by at most "
          f"{o['engine_vs_reference_max_bps']:.2f} bps in these RMSEs). Numbers are mean ± "
          "standard error over the seeds.", ""]
    L += ["## In sample (RMSE against the noisy quotes, bps)", "",
          "| T | rough Heston | quadratic (15 p.) | SABR β=1 (15 p.) | paper RH | paper 'SABR' (quadratic) | RH beats quadratic (share of seeds) |",
          "|---|---|---|---|---|---|---|"]
    for i, T in enumerate(o["T_in"]):
        L.append(f"| {T:g} | {_pm(o['rh_in'], i)} | {_pm(o['quad_in'], i)} | {_pm(o['sabr_in'], i)} | "
                 f"{o['paper']['in_rh'][i]} | {o['paper']['in_sabr'][i]} | {o['rh_beats_quad_in_fraction'][i]:.2f} |")
    L.append(f"| average | {_pm(o['rh_in'])} | {_pm(o['quad_in'])} | {_pm(o['sabr_in'])} | "
             f"{o['paper']['in_rh_avg']} | {o['paper']['in_sabr_avg']} | |")
    L += ["", "A model that is exact up to the noise leaves about noise × sqrt(1 − p/n): "
          f"{o['noise_bps'] * math.sqrt(1 - 6 / 45):.2f} bps for rough Heston (6 of 45), "
          f"{o['noise_bps'] * math.sqrt(1 - 3 / 9):.2f} bps for a 3-parameter slice (3 of 9).", ""]
    L += ["## Out of sample (T = 0.75 and 1.5; RMSE in bps against noisy quotes / against the noise-free truth)", "",
          "| model / rule | T = 0.75 | T = 1.5 | average | average vs truth |", "|---|---|---|---|---|"]
    L.append(f"| rough Heston (calibrated parameters) | {_pm(o['rh_out'], 0)} | {_pm(o['rh_out'], 1)} | "
             f"{_pm(o['rh_out'])} | {_pm(o['rh_out_truth'])} |")
    for m, lab in (("quad", "quadratic"), ("sabr", "SABR")):
        for r in o["rules"]:
            d = o[f"{m}_out_{r}"]
            L.append(f"| {lab}, {r} | {_pm(d, 0)} | {_pm(d, 1)} | {_pm(d)} | {_pm(o[f'{m}_out_{r}_truth'])} |")
    L.append(f"| paper: rough Heston / 'SABR' | {o['paper']['out_rh'][0]} / {o['paper']['out_sabr'][0]} | "
             f"{o['paper']['out_rh'][1]} / {o['paper']['out_sabr'][1]} | {o['paper']['out_rh_avg']} / "
             f"{o['paper']['out_sabr_avg']} | |")
    L += ["", "Rules for the per-slice smiles at an unseen maturity (the paper's \"extrapolates "
          "from the nearest in-sample slice (linear extrapolation of the quadratic coefficients)\" "
          "admits the first three readings):", ""]
    L += [f"- `{k}`: {v}" for k, v in o["rules"].items()]
    L += ["", "## Parameter recovery (rough Heston)", "", "| parameter | true | mean ± SE | sd over seeds |",
          "|---|---|---|---|"]
    for k, d in o["recovery"].items():
        L.append(f"| {k} | {d['true']:g} | {d['mean']:.4f} ± {d['se']:.4f} | {d['sd']:.4f} |")
    ih = o["implied_H"]
    L += ["", "## Implied H from the SABR term structure (§9.3, a diagnostic)", "",
          f"ATM skews of the per-slice SABR fits, |skew| ~ T^(H - 1/2) across the 5 slices: H = "
          f"{ih['sabr_mean']:.3f} ± {ih['sabr_se']:.3f} over the seeds (true H {o['true_params']['H']:g}). "
          f"The same fit to the noise-free model's own ATM skews (COS, `atm_skew_term_structure`) gives "
          f"H = {ih['model_skew_H']:.3f} ± {ih['model_skew_H_se']:.3f}: over 0.1-2 years the rough Heston "
          "skew is not a pure power law (mean reversion, kappa = 2.5, bends it), so the power-law reading "
          "of H is biased before any SABR error.", ""]
    dl = o["delta_layer"]
    L += ["## SABR enhancement layer: the corrected delta (§9.3; seed 0)", "",
          "Rough Heston's own call delta (true parameters, variance state held) against the SABR "
          "delta (smile moving with the forward, per-slice fits), before and after "
          f"delta + (vega/S) rho c T^(H - 1/2) with c = {dl['c']:.2g} fitted over the 45 quotes "
          f"(rho = {o['true_params']['rho']:g}, H = {o['true_params']['H']:g}): RMS delta error "
          f"{dl['rms_before']:.4f} before, {dl['rms_after']:.4f} after.", "",
          "| T | RMS before | RMS after |", "|---|---|---|"]
    L += [f"| {T:g} | {a:.4f} | {b:.4f} |" for T, (a, b) in dl["by_T"].items()]
    L += ["", f"Converged: {o['converged']} of {o['n_seeds']}. Calibration time (rough Heston, cold "
          f"start, this machine, shared): median {o['time_rh']['median']:.2f} s (min "
          f"{o['time_rh']['min']:.2f}, max {o['time_rh']['max']:.2f}); quadratic, 5 slices: "
          f"{o['time_quad']['median'] * 1e3:.2f} ms; SABR, 5 slices: {o['time_sabr']['median'] * 1e3:.1f} ms "
          f"(paper: {o['paper']['time_s']} s for rough Heston).", ""]
    L += ["## The paper's claims", "", "| claim | verdict |", "|---|---|"]
    L += [f"| {c} | {v} |" for c, v in o["claims"]]
    L += ["", "Figures: `smiles.png` (seed 0, every maturity with the fits), `residuals.png` "
          "(residuals by strike and maturity, seed 0), `rmse_by_maturity.png` (in-sample RMSE "
          "with the paper's values).", ""]
    return "\n".join(L)
