#!/usr/bin/env python3
"""Check that the PyTorch reference model (bench/torch_reference.py) is the same model as ours.

`bench --export-reference FILE` runs one batch of binary images through each Gaussian-prior model
of the speed table (factorized, pixelcnn, pixelcnn-full, pixelcnn-uncond) with its freshly
initialised weights and writes the weights, the images, the noise eps and what the Swift code
computed: mu, logvar, the decoder's logits, log p(x|z) per image and the KL per latent dimension.
This script loads the same weights into torch_reference.VLAE (re-laid from NHWC / tap lists to
PyTorch's NCHW kernels), runs the same images with the same eps, and compares every quantity.

    swift build --product bench
    .build/debug/bench --export-reference /tmp/vlae-ref.json
    python3 bench/check_torch_reference.py /tmp/vlae-ref.json      # or: --export (does both)

Exits 1 if any quantity differs by more than its tolerance (float32 arithmetic in a different
order: 1e-4 per logit and per mu/logvar/KL entry, 5e-3 nats per image for log p(x|z), a sum of
784 terms). Needs `pip install torch numpy`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TOL = {"mu": 1e-4, "logvar": 1e-4, "kl": 1e-4, "logits": 1e-4, "log_px": 5e-3}


def conv_weight(w, taps, cin, cout, k):
    """Ours: [taps * cin, cout], row t * cin + ci for tap t = (ky, kx). PyTorch: [cout, cin, k, k]
    (masked taps left at zero; the reference multiplies by its mask anyway)."""
    import torch
    src = torch.tensor(w["data"], dtype=torch.float32).view(len(taps), cin, cout)
    out = torch.zeros(cout, cin, k, k)
    for t, (ky, kx) in enumerate(taps):
        out[:, :, ky, kx] = src[t].t()
    return out


def full_taps(k):
    return [(ky, kx) for ky in range(k) for kx in range(k)]


def vec(w):
    import torch
    return torch.tensor(w["data"], dtype=torch.float32)


def state_dict_from(rec, model):
    """PyTorch state for torch_reference.VLAE from our named parameters."""
    import torch
    P = rec["parameters"]
    sd = {}
    D = rec["latent"]
    ec, cc = rec["encoder_channels"], rec["conditioning_channels"]

    def conv(ours, theirs, cin, cout, k, taps=None, bias=True):
        sd[theirs + ".weight"] = conv_weight(P[ours + ".w"], taps or full_taps(k), cin, cout, k)
        if bias:
            sd[theirs + ".bias"] = vec(P[ours + ".b"])

    if rec["decoder"] != "pixelcnn-uncond":
        conv("encoder.c1", "enc.c1", 1, ec[0], 3)
        conv("encoder.c2", "enc.c2", ec[0], ec[1], 3)
        conv("encoder.c3", "enc.c3", ec[1], ec[2], 3)
        # ours flattens the 7x7 map NHWC (input p * C + c), PyTorch NCHW (input c * 49 + p)
        w = vec(P["encoder.fc.w"]).view(49, ec[2], 2 * D)
        sd["enc.fc.weight"] = w.permute(2, 1, 0).reshape(2 * D, ec[2] * 49)
        sd["enc.fc.bias"] = vec(P["encoder.fc.b"])
        # the conditioning net's linear layer writes NHWC (output p * C0 + c), PyTorch NCHW
        w = vec(P["conditioning.fc.w"]).view(D, 49, cc[0])
        sd["condnet.fc.weight"] = w.permute(2, 1, 0).reshape(cc[0] * 49, D)
        sd["condnet.fc.bias"] = vec(P["conditioning.fc.b"]).view(49, cc[0]).t().reshape(-1)
        conv("conditioning.c1", "condnet.conv1", cc[0], cc[1], 3)
        conv("conditioning.c2", "condnet.conv2", cc[1], cc[2], 3)
    if rec["decoder"] == "factorized":
        conv("decoder.out", "fout", cc[2], 1, 1)
    else:
        L, C, k1, k = rec["layers"], rec["channels"], rec["first_kernel"], rec["kernel"]
        cond = rec["decoder"] == "pixelcnn"
        taps = rec["taps"]
        conv("decoder.first", "pcnn.inp", 1, C, k1, taps["decoder.first"], bias=not cond)
        for i in range(1, L):
            conv(f"decoder.block{i}", f"pcnn.blocks.{i - 1}", C, C, k, taps[f"decoder.block{i}"], bias=not cond)
        conv("decoder.out", "pcnn.out", C, 1, 1)
        if cond:
            # ours: the masked convolutions have no bias and the 1x1 conditioning conv h -> L*C has
            # one; PyTorch the other way round. Layer l's bias is the l-th slice of ours.
            sd["pcnn.cond.weight"] = conv_weight(P["decoder.cond.w"], [(0, 0)], cc[2], L * C, 1)
            b = vec(P["decoder.cond.b"]).view(L, C)
            sd["pcnn.inp.bias"] = b[0]
            for i in range(1, L):
                sd[f"pcnn.blocks.{i - 1}.bias"] = b[i]
    # the masks are buffers the model builds itself
    for name, buf in model.state_dict().items():
        if name.endswith(".mask"):
            sd[name] = buf
    return sd


def check(rec):
    import torch
    import torch_reference as ref
    argv = ["--decoder", rec["decoder"], "--latent", str(rec["latent"]),
            "--enc-channels", ",".join(map(str, rec["encoder_channels"])),
            "--cond-channels", ",".join(map(str, rec["conditioning_channels"]))]
    if rec["decoder"] != "factorized":
        if rec["kernel"] != 3:
            raise SystemExit(f"{rec['key']}: the reference's type-B layers are 3x3, this model's {rec['kernel']}x{rec['kernel']}")
        argv += ["--layers", str(rec["layers"]), "--channels", str(rec["channels"]),
                 "--first-kernel", str(rec["first_kernel"])]
    model = ref.VLAE(ref.parse_args(argv))
    model.load_state_dict(state_dict_from(rec, model), strict=True)
    model.eval()
    x = torch.tensor(rec["x"], dtype=torch.float32).view(-1, 1, 28, 28)
    n = x.shape[0]
    got = {}
    with torch.no_grad():
        if model.uncond:
            logits = model.decode_logits(x, None)
        else:
            mu, logvar = model.enc(x)
            eps = torch.tensor(rec["eps"], dtype=torch.float32).view(n, -1)
            z = mu + torch.exp(0.5 * logvar) * eps
            logits = model.decode_logits(x, z)
            got["mu"], got["logvar"] = mu, logvar
            got["kl"] = 0.5 * (mu * mu + torch.exp(logvar) - 1.0 - logvar)   # the reference's forward()
        got["logits"] = logits
        got["log_px"] = model.log_px(logits, x)
    rows, ok = [], True
    for name, t in got.items():
        ours = torch.tensor(rec[name], dtype=torch.float32).view(t.shape)
        diff = (t - ours).abs().max().item()
        good = diff <= TOL[name]
        ok &= good
        rows.append(f"  {name:7s} max |PyTorch - ours| = {diff:.2e}  (tolerance {TOL[name]:.0e}, "
                    f"values up to {ours.abs().max().item():.3g})  {'ok' if good else 'DIFFERENT'}")
    elbo_ours = sum(rec["log_px"]) / n - (sum(rec["kl"]) / n if "kl" in rec else 0.0)
    elbo_torch = got["log_px"].mean().item() - (got["kl"].sum(1).mean().item() if "kl" in got else 0.0)
    print(f"{rec['key']}: -ELBO on these {n} images: ours {-elbo_ours:.4f}, PyTorch {-elbo_torch:.4f} nats; "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    print("\n".join(rows))
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="the JSON `bench --export-reference` wrote")
    p.add_argument("--export", action="store_true", help="run .build/debug/bench --export-reference first (into a temporary file)")
    p.add_argument("--bench", default=os.path.join(HERE, "..", ".build", "debug", "bench"))
    a = p.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("check_torch_reference: PyTorch is not installed: pip install torch")
    with tempfile.TemporaryDirectory() as tmp:
        path = a.file
        if a.export or not path:
            if not os.path.exists(a.bench):
                sys.exit(f"check_torch_reference: no bench at {a.bench}: run `swift build --product bench` first")
            path = os.path.join(tmp, "reference.json")
            subprocess.run([a.bench, "--export-reference", path], check=True)
        try:
            with open(path) as f:
                models = json.load(f)["models"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"check_torch_reference: cannot read {path} ({e}): write it with `bench --export-reference {path}`")
    results = [check(rec) for rec in models]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
