"""Monte Carlo (lca.uncertainty): hand checks, static medians, the matrix sampler against scipy, seeds, Dask."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from lca import InputError
from lca.models import battery_pack
from lca.uncertainty import BackgroundSampler, make_job, read_entries, entries_of, run


@pytest.fixture(scope="module")
def scores(project):
    return project.footprints()


def test_one_uniform_parameter_with_a_linear_effect_gives_the_analytic_mean_and_percentiles(project):
    # the graphite share enters the pack linearly: score(s) = a + b s; a, b from two static footprints
    lo, hi = 0.7, 0.9
    f0 = project.footprint(battery_pack("LFP", 60.0, graphite_synthetic_share=0.0)).total
    f1 = project.footprint(battery_pack("LFP", 60.0, graphite_synthetic_share=1.0)).total
    a, b = f0, f1 - f0
    n = 20_000
    d = project.uncertainty(battery_pack("LFP", 60.0), n=n, seed=7, background=False, rows=False,
                            only=["graphite_synthetic_share"],
                            dists={"graphite_synthetic_share": {"type": "uniform", "min": lo, "max": hi,
                                                                "source": "test"}})
    sd = abs(b) * (hi - lo) / np.sqrt(12)  # standard deviation of a + b U(lo, hi)
    assert d.mean == pytest.approx(a + b * (lo + hi) / 2, abs=4 * sd / np.sqrt(n))
    assert d.std == pytest.approx(sd, rel=0.03)
    for q in (5, 25, 50, 75, 95):  # quantile of a uniform: lo + q (hi - lo); error ~ (hi - lo) / sqrt(n)
        assert d.percentile(q) == pytest.approx(a + b * (lo + q / 100 * (hi - lo)), abs=abs(b) * (hi - lo) * 0.02)
    assert d.samples.min() >= min(a + b * lo, a + b * hi) - 1e-9


def test_median_of_a_system_without_uncertainty_is_the_static_value(project):
    for target in (battery_pack("NMC811", 60.0), "background:nickel-sulfate"):
        d = project.uncertainty(target, n=500, seed=1, background=False, foreground=False)
        # the stored model amounts are float32 (Brightway), the Monte Carlo builds them in float64
        assert d.median == pytest.approx(d.static, rel=1e-6)
        assert d.std < 1e-9 * abs(d.static)


def test_static_matrix_solve_equals_scipy_and_the_engine(project, scores, gwp100):
    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    targets = ["background:nickel-sulfate", "background:graphite-synthetic", "background:electricity-cn"]
    cols = [system.col_of[int(nodes[nodes["ref"] == t]["id"].iloc[0])] for t in targets]
    c = calc.characterization(project.method("GWP100"))
    bg = BackgroundSampler(entries_of(project), c, cols)
    z = bg.scores(0, 0, 1, False)
    # independent: scipy spsolve of A^T y = B^T c on the whole system
    A, B = system.A.tocsc(), system.B.tocsr()
    y = spsolve(A.T.tocsc(), B.T @ c)
    for t, col in zip(targets, cols):
        local = int(np.nonzero(bg.cols == col)[0][0])
        # bw2calc sums duplicate entries of its float32 matrices in float32; the sampler sums them in float64
        assert z[local, 0] == pytest.approx(y[system.product_row[col]], rel=1e-6)
        assert z[local, 0] == pytest.approx(float(scores[t]), rel=1e-6)


def test_sampled_matrix_solve_equals_a_scipy_solve_of_the_same_sampled_matrix(project):
    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    col = system.col_of[int(nodes[nodes["ref"] == "background:lithium-hydroxide-spodumene"]["id"].iloc[0])]
    c = calc.characterization(project.method("GWP100"))
    bg = BackgroundSampler(entries_of(project), c, [col])
    V, BV = bg.values(seed=3, chunk=0, S=4, sampled=True)
    z = bg.solve(V, BV)
    m = bg.m
    for s in range(4):  # rebuild sample s as a sparse matrix of the upstream system and solve it with scipy
        A = sp.csr_matrix((V[:, s], (bg.sup, bg.con)), shape=(m, m))
        g = np.bincount(bg.bcol, weights=BV[:, s] * bg.bcf, minlength=m)
        y = spsolve(A.T.tocsc(), g)
        assert z[:, s] == pytest.approx(y, rel=1e-9)
    assert np.std(z[bg.target_local[0]]) > 0


def test_same_seed_same_samples_other_seed_other_samples(project):
    m = battery_pack("NMC811", 60.0)
    a = project.uncertainty(m, n=3000, seed=11)
    b = project.uncertainty(m, n=3000, seed=11)
    c = project.uncertainty(m, n=3000, seed=12)
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    assert a.to_dict()["seed"] == 11


def test_json_keys_and_lognormal_median(project):
    d = project.uncertainty("background:nickel-sulfate", n=4000, seed=2)
    out = d.to_dict()
    for k in ("n", "seed", "static", "mean", "median", "std", "p5", "p25", "p75", "p95"):
        assert k in out
    assert out["p5"] < out["median"] < out["p95"]
    # lognormal amounts are medians: the sampled median stays within a few % of the static value
    assert out["median"] == pytest.approx(out["static"], rel=0.03)


def test_bad_inputs_are_refused(project):
    with pytest.raises(InputError, match="samples"):
        project.uncertainty("background:nickel-sulfate", n=0)
    with pytest.raises(InputError, match="only"):
        project.uncertainty(battery_pack("LFP", 60.0), n=10, only=["no_such_parameter"])
    with pytest.raises(InputError, match="local:N"):
        project.uncertainty("background:nickel-sulfate", n=10, scheduler="somewhere")


@pytest.mark.slow
def test_same_seed_same_numbers_with_one_and_two_dask_workers(project):
    m = battery_pack("LFP", 60.0)
    inproc = project.uncertainty(m, n=5000, seed=5)
    one = project.uncertainty(m, n=5000, seed=5, scheduler="local:1")
    two = project.uncertainty(m, n=5000, seed=5, scheduler="local:2")
    assert np.array_equal(inproc.samples, one.samples)
    assert np.array_equal(one.samples, two.samples)


def test_solve_blocks_and_task_groups_do_not_change_the_numbers(project, monkeypatch):
    import lca.uncertainty as mc
    from lca import scheduler

    job, _ = make_job(project, [battery_pack("LFP", 60.0)], [1.0], 3000, 11)
    monkeypatch.setattr(mc, "BLOCK", mc.CHUNK)  # one block per chunk: the unblocked computation
    whole = run(job)
    monkeypatch.setattr(mc, "BLOCK", 100)  # blocks that do not divide the chunk
    assert np.array_equal(run(job), whole)
    # tasks of several consecutive chunks: every chunk exactly once, in order, for any worker count
    for n_chunks in (1, 2, 7, 98, 1000):
        for workers in (1, 2, 3, 16):
            g = scheduler.groups(n_chunks, workers)
            assert [k for ks in g for k in ks] == list(range(n_chunks))
            assert len(g) == min(n_chunks, 4 * workers)
    assert scheduler.groups(98, 2)[0] == list(range(12))  # 98 chunks / 8 tasks: 12 or 13 each


@pytest.mark.slow
def test_monte_carlo_of_a_model_on_an_imported_background_samples_the_release(project, tmp_path):
    """A model on an imported release (issue 12's ``background=``): the Monte Carlo samples the release's own
    exchange distributions (as bw2io imports them from ecoSpold2) and nothing of the open background.

    One release emission gets a lognormal (median = its amount, sigma 0.4); every other distribution is off
    (the synthetic release carries none; foreground off). The footprint is linear in that emission:
    F = F0 + D (e / e0 - 1), with D from two static footprints (emission x1 and x2), so the sampled
    percentiles must be F0 + D (exp(sigma z_q) - 1)."""
    import shutil

    import bw2data as bd
    from scipy.stats import norm

    import ecospold_factory as factory
    import lca
    from test_background_release import release_entries

    rel = factory.write_release(tmp_path / "rel", release_entries("3.10", extra=5), seed=2,
                                extra_flows=[factory.TWIN_FLOW])
    project.footprints()
    dest = tmp_path / "project"
    shutil.copytree(project.path, dest, ignore=shutil.ignore_patterns("write.lock"))
    lca.open_project(dest).import_background(rel.root, name="ei-mc")
    model = battery_pack("LFP", 60.0)
    on = lca.open_project(dest, background="ei-mc")
    f0 = on.footprint(model).total
    # the release's largest fossil-CO2-like emission upstream of the model: try the biggest emissions first
    on.activate()
    db = bd.Database("ei-mc")
    gwp = dict(bd.Method(on.method("GWP100")).load())
    cands = sorted(((abs(e["amount"]) * gwp.get(e.input.id, 0.0), e) for a in db for e in a.biosphere()
                    if gwp.get(e.input.id, 0.0) > 0), key=lambda t: -t[0])

    def set_exchange(e, amount, sigma=None):
        e["amount"] = amount
        if sigma is not None:
            e["uncertainty type"], e["loc"], e["scale"] = 2, float(np.log(amount)), sigma
        e.save()
        db.process()

    chosen = None
    for _, e in cands[:40]:
        e0 = float(e["amount"])
        set_exchange(e, 2 * e0)
        d = lca.open_project(dest, background="ei-mc").footprint(model).total - f0
        set_exchange(e, e0)
        if d > 0.01 * f0:
            chosen = (e, e0, d)
            break
    assert chosen, "no release emission upstream of the model contributes 1 %"
    e, e0, dsc = chosen
    sigma = 0.4
    set_exchange(e, e0, sigma)
    on = lca.open_project(dest, background="ei-mc")
    n = 6000
    dist = on.uncertainty(model, n=n, seed=3, foreground=False)
    assert dist.static == pytest.approx(f0, rel=1e-6)
    for q in (5, 25, 50, 75, 95):
        want = f0 + dsc * (np.exp(sigma * norm.ppf(q / 100)) - 1)
        # sampling error of a quantile: sqrt(q (1 - q) / n) / density, here < 0.03 sigma in z units
        tol = dsc * sigma * np.exp(sigma * 1.645) * 0.05
        assert dist.percentile(q) == pytest.approx(want, abs=tol), q
    assert dist.median == pytest.approx(f0, abs=dsc * sigma * 0.05)  # lognormal amounts are medians
    # background sampling off: no spread at all (the open background's own lognormals never come in)
    still = on.uncertainty(model, n=200, seed=3, background=False, foreground=False)
    assert np.ptp(still.samples) <= 1e-9 * abs(f0)
