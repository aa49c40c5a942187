#!/usr/bin/python3
"""Independent references for tests/sampler/tpe_sampler_test.cc.

Re-implements, from /work/shared/reference/algorithms.md and not from our
C++ code, TPE's acquisition log l(x) - log g(x) on fixed histories:
- joint(): the multivariate model on a 2-D history, argmax over a fine grid,
  for joint kernels with univariate bandwidths (Optuna 5, our rule) and with
  the Optuna <= 4.9 rule sigma = 0.2 n^(-1/(D+4)) range, which the test must
  tell apart (JointAcquisitionArgmaxMatchesAnIndependentReference);
- log_int(): a log int in [1, 8], whose kernels are normals in log space
  with the mass of each integer's cell [log(v - 0.5), log(v + 0.5)]; the
  best integer, beside what a density scored at the unrounded draw or at
  log(v) would pick (LogIntScoresTheMassOfEachIntegersCell).
Run with /usr/bin/python3 (numpy).
"""
import math

import numpy as np

LOW = np.array([-10.0, 0.0])
HIGH = np.array([10.0, 5.0])


def history():
    xs, values = [], []
    for i in range(30):
        x = -10 + 20 * math.fmod(i * 0.6180339887498949, 1.0)
        y = 5 * math.fmod(i * 0.7548776662466927, 1.0)
        xs.append((x, y))
        values.append((x - 3) ** 2 + 3 * math.sin(3 * x) + 4 * (y - 1) ** 2)
    return np.array(xs), np.array(values)


def ramp_weights(m):
    if m < 25:
        return np.ones(m)
    return np.concatenate([np.linspace(1.0 / m, 1.0, m - 25), np.ones(25)])


def split(values):
    n_below = min(math.ceil(0.1 * len(values)), 25)
    below = sorted(np.argsort(values, kind="stable")[:n_below])
    above = [i for i in range(len(values)) if i not in below]
    return below, above


def univariate_sigmas(mus, low, high):
    n = len(mus)
    order = np.argsort(mus, kind="stable")
    s = mus[order]
    padded = np.concatenate([[low], s, [high]])
    sig = np.maximum(padded[1:-1] - padded[:-2], padded[2:] - padded[1:-1])
    if n >= 2:  # consider_endpoints = False
        sig[0] = s[1] - s[0]
        sig[-1] = s[-1] - s[-2]
    rng = high - low
    sig = np.clip(sig, rng / min(100.0, n + 2.0), rng)
    out = np.empty(n)
    out[order] = sig
    return out


def phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def log_phi_mass(a, b):
    return math.log(phi(b) - phi(a))


def model(points, rule):
    n, dims = points.shape
    w = np.append(ramp_weights(n), 1.0)
    w /= w.sum()
    mus = np.vstack([points, (LOW + HIGH) / 2])
    sigmas = np.empty_like(mus)
    for d in range(dims):
        rng = HIGH[d] - LOW[d]
        if rule == "univariate":
            sigmas[:n, d] = univariate_sigmas(points[:, d], LOW[d], HIGH[d])
        else:
            s = 0.2 * max(n, 1) ** (-1.0 / (dims + 4)) * rng
            sigmas[:n, d] = min(max(s, rng / min(100.0, n + 2.0)), rng)
        sigmas[n, d] = rng
    const = np.log(w).copy()
    for k in range(n + 1):
        for d in range(dims):
            a = (LOW[d] - mus[k, d]) / sigmas[k, d]
            b = (HIGH[d] - mus[k, d]) / sigmas[k, d]
            const[k] -= math.log(sigmas[k, d]) + 0.5 * math.log(2 * math.pi) + log_phi_mass(a, b)
    return mus, sigmas, const


def log_mixture(grid, m):
    mus, sigmas, const = m
    z = (grid[:, None, :] - mus[None]) / sigmas[None]
    t = const[None] - 0.5 * (z ** 2).sum(axis=2)
    top = t.max(axis=1)
    return top + np.log(np.exp(t - top[:, None]).sum(axis=1))


def joint():
    points, values = history()
    best, rest = split(values)
    gx = np.linspace(LOW[0], HIGH[0], 2001)
    gy = np.linspace(LOW[1], HIGH[1], 1001)
    for rule in ("univariate", "optuna49"):
        l = model(points[best], rule)
        g = model(points[rest], rule)
        top = (-np.inf, None)
        for y in gy:
            grid = np.column_stack([gx, np.full_like(gx, y)])
            score = log_mixture(grid, l) - log_mixture(grid, g)
            i = int(np.argmax(score))
            if score[i] > top[0]:
                top = (score[i], (gx[i], y))
        print(f"joint, {rule}: below {best}, argmax at x = {top[1][0]:.4f}, "
              f"y = {top[1][1]:.4f}, score {top[0]:.4f}")


def log_int():
    lo, hi = 1, 8
    low, high = math.log(lo - 0.5), math.log(hi + 0.5)
    us, values = [], []
    for i in range(30):
        u = round(math.exp(low + (high - low) * math.fmod(i * 0.6180339887498949, 1.0)))
        us.append(min(max(u, lo), hi))
        values.append((math.log2(us[-1]) - 1.2) ** 2 + 0.01 * i)
    obs = np.log(np.array(us, dtype=float))
    below, above = split(values)

    def build(points):
        n = len(points)
        w = np.append(ramp_weights(n), 1.0)
        w /= w.sum()
        mu = np.append(points, (low + high) / 2)
        sigma = np.append(univariate_sigmas(points, low, high), high - low)
        norm = np.array([phi((high - m) / s) - phi((low - m) / s) for m, s in zip(mu, sigma)])
        return w, mu, sigma, norm

    def log_mass(v, m):
        w, mu, sigma, norm = m
        a, b = math.log(v - 0.5), math.log(v + 0.5)
        return math.log(sum(wk * (phi((b - mk) / sk) - phi((a - mk) / sk)) / zk
                            for wk, mk, sk, zk in zip(w, mu, sigma, norm)))

    def log_density(x, m):
        w, mu, sigma, norm = m
        return math.log(sum(wk * math.exp(-0.5 * ((x - mk) / sk) ** 2) / (sk * zk)
                            for wk, mk, sk, zk in zip(w, mu, sigma, norm)))

    l, g = build(obs[below]), build(obs[above])
    mass = {v: log_mass(v, l) - log_mass(v, g) for v in range(lo, hi + 1)}
    at_int = {v: log_density(math.log(v), l) - log_density(math.log(v), g)
              for v in range(lo, hi + 1)}
    xs = np.linspace(low, high, 20001)
    dens = [log_density(x, l) - log_density(x, g) for x in xs]
    unrounded = round(math.exp(xs[int(np.argmax(dens))]))
    print(f"log int: history {us}, below {[us[i] for i in below]}")
    print("  mass score per integer: " + ", ".join(f"{v}: {s:.4f}" for v, s in mass.items()))
    print(f"  best by mass {max(mass, key=mass.get)}; by density at log(v) "
          f"{max(at_int, key=at_int.get)}; by density at the unrounded draw {unrounded}")


if __name__ == "__main__":
    log_int()
    joint()
