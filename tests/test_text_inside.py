"""Looking inside a character-level LSTM: its recorded cells, unit-feature correlations, gate saturation."""
import numpy as np
import pytest
import torch

from seqlearn.text import inside, lm


def test_lstm_trace_reproduces_the_cores_hidden_states_at_every_layer():
    model = lm.char_lm("LSTM", 7, 5, 2, dtype=torch.float64)
    ids = np.random.default_rng(0).integers(0, 7, 40)
    with torch.no_grad():
        out, (h_n, c_n) = model.core(torch.nn.functional.one_hot(torch.as_tensor(ids), 7).double())
    top = inside.lstm_trace(model.state_dict(), ids, 7, layer=1)
    assert np.abs(top["h"] - out.numpy()).max() < 1e-14
    assert np.abs(top["c"][-1] - c_n[1].numpy()).max() < 1e-14
    bottom = inside.lstm_trace(model.state_dict(), ids, 7, layer=0)
    assert np.abs(bottom["c"][-1] - c_n[0].numpy()).max() < 1e-14
    assert set(top) == {"i", "f", "g", "o", "c", "h"} and top["f"].shape == (40, 5)


def test_feature_correlations_find_the_unit_that_copies_a_feature():
    rng = np.random.default_rng(1)
    feature = rng.integers(0, 2, 500).astype(float)
    values = rng.normal(size=(500, 4))
    values[:, 2] = 0.5 * feature + 0.01 * rng.normal(size=500)       # unit 2 tracks the feature
    values[:, 3] = -feature                                          # unit 3 too, with the sign flipped
    corr = inside.feature_correlations(values, {"f": feature, "flat": np.ones(500)})
    assert corr["f"][2] > 0.99 and corr["f"][3] == pytest.approx(-1)
    assert np.abs(corr["f"][:2]).max() < 0.2 and np.all(corr["flat"] == 0)
    units, share = inside.tracking_units(corr, threshold=0.5)
    assert units == {"f": [3, 2], "flat": []} and share == 0.5


def test_saturation_counts_steps_below_and_above_the_thresholds():
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.05, 0.99], [0.5, 0.01]])
    left, right = inside.saturation(gate)
    np.testing.assert_allclose(left, [0.5, 0.25])
    np.testing.assert_allclose(right, [0.25, 0.25])
