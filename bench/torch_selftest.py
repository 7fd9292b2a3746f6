# Checks: PixelCNN masks are causal (autograd), receptive fields, MADE autoregressive structure,
# AF prior sample/inverse round trip and log-density vs a Jacobian log-determinant (~5 s).
# Run: python3 bench/torch_selftest.py
import sys, torch, math
failures = []
def expect(ok, what):
    if not ok: failures.append(what)
sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
import torch_reference as vlae
torch.manual_seed(0)
for dec in ['pixelcnn', 'pixelcnn-full', 'pixelcnn-uncond']:
    a = vlae.parse_args(['--decoder', dec])
    m = vlae.VLAE(a)
    # randomize weights so masks matter
    x = torch.bernoulli(torch.full((1,1,28,28), 0.5)).requires_grad_(True)
    z = torch.randn(1, 32)
    logits = m.decode_logits(x, z)
    bad = 0; rf = 0
    for (r, c) in [(0,0), (5,7), (14,14), (27,27), (10,0), (3,27)]:
        g, = torch.autograd.grad(logits[0,0,r,c], x, retain_graph=True)
        nz = (g[0,0].abs() > 0).nonzero()
        for rr, cc in nz.tolist():
            if rr*28+cc >= r*28+c: bad += 1
        if (r,c)==(14,14): rf = len(nz); rows = nz[:,0].min().item() if len(nz) else None
    print(dec, 'causality violations:', bad, 'dependencies of pixel (14,14):', rf, 'min row', rows)
    expect(bad == 0, f'{dec}: {bad} causality violations')
# MADE autoregressive check
made = vlae.MADE(8, 16, 2, reverse=False)
for p in made.parameters(): torch.nn.init.normal_(p)
zz = torch.randn(1, 8, requires_grad=True)
mu, ls = made(zz)
J = torch.stack([torch.autograd.grad(mu[0,i]+ls[0,i], zz, retain_graph=True)[0][0] for i in range(8)])
print('MADE fwd dependency (should be strictly lower-triangular):\n', (J.abs()>0).int())
expect(bool(((J.abs() > 0) & ~torch.ones(8, 8).tril(-1).bool()).sum() == 0), 'MADE forward: a dependency outside the strict lower triangle')
made = vlae.MADE(8, 16, 2, reverse=True)
for p in made.parameters(): torch.nn.init.normal_(p)
mu, ls = made(zz)
J = torch.stack([torch.autograd.grad(mu[0,i]+ls[0,i], zz, retain_graph=True)[0][0] for i in range(8)])
print('MADE reversed (strictly upper):\n', (J.abs()>0).int())
expect(bool(((J.abs() > 0) & ~torch.ones(8, 8).triu(1).bool()).sum() == 0), 'MADE reversed: a dependency outside the strict upper triangle')
# AF prior: sample then density consistency via change of variables, numeric log-det check
pr = vlae.AFPrior(4, 2, 16, 2)
for md in pr.mades:
    for p in md.parameters(): torch.nn.init.normal_(p, std=0.3)
torch.manual_seed(1)
eps = torch.randn(3, 4)
torch.manual_seed(1)
zs = pr.sample(3)
lp = pr.log_prob_terms(zs).sum(1)
# recover eps
u = zs
for md in reversed(pr.mades):
    mu, ls = md(u); u = (u-mu)*torch.exp(-ls)
print('eps recovered err', (u-eps).abs().max().item())
expect((u - eps).abs().max().item() < 1e-4, 'AF prior: sampling and its inverse disagree')
# jacobian of inverse map z->eps, log|det| + logN(eps) should equal lp
def inv(z):
    u = z
    for md in reversed(pr.mades):
        mu, ls = md(u); u = (u-mu)*torch.exp(-ls)
    return u
for i in range(3):
    Jm = torch.autograd.functional.jacobian(inv, zs[i:i+1])[0,:,0,:]
    ref = torch.distributions.Normal(0,1).log_prob(inv(zs[i:i+1])).sum() + torch.logdet(Jm).item()
    print('AF logp', lp[i].item(), 'ref', ref.item())
    expect(abs(lp[i].item() - ref.item()) < 1e-3, f'AF prior: log p of sample {i} differs from the Jacobian reference')
print('all checks passed' if not failures else 'FAILED: ' + '; '.join(failures))
sys.exit(1 if failures else 0)
