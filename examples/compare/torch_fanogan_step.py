#!/usr/bin/python3
"""torch_fanogan_step.py — PyTorch CPU reference timings of f-AnoGAN's training
steps, for side-by-side comparison with build/bin/bench_fanogan.

Builds the `dcgan` networks (the same layer list as nabla's model zoo entry),
then times, median of --runs after --warmup:
  critic  one WGAN-GP critic step (real + fake + gradient penalty, double backward)
  gen     one generator step
  enc     one izif encoder step (G and D frozen, eval mode)
Optional: needs Debian's python3-torch; never used by the build or the tests.

  /usr/bin/python3 examples/compare/torch_fanogan_step.py --img 64 --channels 3 --batch 32 --threads 2
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def block(cin, cout, bn):
    layers = [nn.Conv2d(cin, cout, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout2d(0.25)]
    if bn:
        layers.append(nn.BatchNorm2d(cout, 0.8))
    return layers


def downsampler(c):
    return nn.Sequential(*block(c, 16, False), *block(16, 32, True),
                         *block(32, 64, True), *block(64, 128, True))


class Critic(nn.Module):
    def __init__(self, img, c):
        super().__init__()
        self.features = downsampler(c)
        self.head = nn.Linear(128 * (img // 16) ** 2, 1)

    def forward_features(self, x):
        return self.features(x).flatten(1)

    def forward(self, x):
        return self.head(self.forward_features(x))


def generator(img, c, latent):
    s = img // 4
    return nn.Sequential(
        nn.Linear(latent, 128 * s * s), nn.Unflatten(1, (128, s, s)),
        nn.BatchNorm2d(128), nn.Upsample(scale_factor=2),
        nn.Conv2d(128, 128, 3, 1, 1), nn.BatchNorm2d(128, 0.8), nn.LeakyReLU(0.2),
        nn.Upsample(scale_factor=2),
        nn.Conv2d(128, 64, 3, 1, 1), nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2),
        nn.Conv2d(64, c, 3, 1, 1), nn.Tanh())


def encoder(img, c, latent):
    return nn.Sequential(downsampler(c), nn.Flatten(),
                         nn.Linear(128 * (img // 16) ** 2, latent), nn.Tanh())


def median_ms(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--img", type=int, default=64)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--latent", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G, D, E = generator(a.img, a.channels, a.latent), Critic(a.img, a.channels), encoder(a.img, a.channels, a.latent)
    optG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    optE = torch.optim.Adam(E.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(a.batch, a.channels, a.img, a.img) * 2 - 1

    def critic_step():
        optD.zero_grad()
        z = torch.randn(a.batch, a.latent)
        fake = G(z).detach()
        alpha = torch.rand(a.batch, 1, 1, 1)
        xhat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        d = D(xhat)
        g, = torch.autograd.grad(d, xhat, torch.ones_like(d), create_graph=True)
        gp = ((g.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
        loss = -D(real).mean() + D(fake).mean() + 10 * gp
        loss.backward()
        optD.step()

    def gen_step():
        optG.zero_grad()
        loss = -D(G(torch.randn(a.batch, a.latent))).mean()
        loss.backward()
        optG.step()

    def enc_step():
        G.eval(), D.eval()
        for p in list(G.parameters()) + list(D.parameters()):
            p.requires_grad_(False)
        optE.zero_grad()
        fake = G(E(real))
        loss = nn.functional.mse_loss(fake, real) + nn.functional.mse_loss(
            D.forward_features(fake), D.forward_features(real))
        loss.backward()
        optE.step()
        G.train(), D.train()
        for p in list(G.parameters()) + list(D.parameters()):
            p.requires_grad_(True)

    print(f"torch {torch.__version__}, threads {a.threads}, img {a.img}x{a.img}x{a.channels}, batch {a.batch}")
    for name, fn in (("critic", critic_step), ("gen", gen_step), ("enc", enc_step)):
        print(f"{name:7s} median {median_ms(fn, a.warmup, a.runs):9.2f} ms")


if __name__ == "__main__":
    main()
