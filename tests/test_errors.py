"""Bad input gets an InputError that names what was expected and what came, in both backends.

InputError is a ValueError and a RuntimeError (torch.nn raises RuntimeError for most of these),
so code written for either catches it."""
import re

import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
import seqlearn.torch as st
from seqlearn._checks import InputError

BACKENDS = ["numpy", "torch"]


def model(backend, kind="LSTM", **kw):
    if backend == "numpy":
        return getattr(snp, kind)(5, 7, **kw)
    return getattr(st, kind)(5, 7, **kw).double()


def data(backend, *shape, dtype=np.float64):
    x = np.zeros(shape, dtype)
    return x if backend == "numpy" else torch.from_numpy(x)


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrong_feature_size_names_both_numbers(backend):
    with pytest.raises(InputError, match=r"expected input_size=5, got 3"):
        model(backend)(data(backend, 4, 2, 3))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(5,), (1, 2, 3, 5)])
def test_wrong_rank(backend, shape):
    with pytest.raises(InputError, match=rf"3-D \(T, B, I\) or 2-D .*got a {len(shape)}-D input"):
        model(backend)(data(backend, *shape))


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_first_layout_is_named(backend):
    with pytest.raises(InputError, match=re.escape("3-D (B, T, I)")):
        model(backend, batch_first=True)(data(backend, 5))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_hx_of_wrong_shape(backend, kind):
    m = model(backend, kind, num_layers=2)
    with pytest.raises(InputError, match=re.escape("h_0 has the wrong shape: expected (2, 3, 7), got (1, 3, 7)")):
        m(data(backend, 4, 3, 5), data(backend, 1, 3, 7))


@pytest.mark.parametrize("backend", BACKENDS)
def test_lstm_cell_state_of_wrong_shape(backend):
    m = model(backend, bidirectional=True)
    with pytest.raises(InputError, match=re.escape("c_0 has the wrong shape: expected (2, 3, 7), got (2, 3, 6)")):
        m(data(backend, 4, 3, 5), (data(backend, 2, 3, 7), data(backend, 2, 3, 6)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_batched_hx_with_unbatched_input(backend):
    """The mistake in one of the source tutorials: 2-D input is one unbatched sequence, so h_0 is 2-D."""
    with pytest.raises(InputError, match=re.escape("expected (1, 7), got (1, 3, 7)")):
        model(backend, "RNN")(data(backend, 3, 5), data(backend, 1, 3, 7))


@pytest.mark.parametrize("backend", BACKENDS)
def test_mismatched_dtypes(backend):
    with pytest.raises(InputError, match=r"input has dtype .*float32.* parameters are .*float64"):
        model(backend)(data(backend, 4, 3, 5, dtype=np.float32))


@pytest.mark.parametrize("backend", BACKENDS)
def test_mismatched_state_dtype(backend):
    with pytest.raises(InputError, match=r"h_0 has dtype .*float32"):
        model(backend, "GRU")(data(backend, 4, 3, 5), data(backend, 1, 3, 7, dtype=np.float32))


@pytest.mark.parametrize("lengths,message", [([4, 0, 2], r"lie in \[1, 4\].*got \[0\]"),
                                             ([4, 5, 2], r"lie in \[1, 4\].*got \[5\]"),
                                             ([4, 2], r"expected 3, got 2")])
def test_lengths_out_of_range(lengths, message):
    with pytest.raises(InputError, match=message):
        model("numpy")(np.zeros((4, 3, 5)), lengths=lengths)


def test_numpy_state_dict_checks_names_and_shapes():
    m = model("numpy")
    state = m.state_dict()
    state["weight_hh_l0"] = np.zeros((28, 6))
    with pytest.raises(InputError, match=re.escape("weight_hh_l0 has the wrong shape: expected (28, 7), got (28, 6)")):
        m.load_state_dict(state)
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l0'\]"):
        m.load_state_dict({k: v for k, v in m.state_dict().items() if k != "bias_hh_l0"})


def test_numpy_backward_checks_gradient_shape_and_needs_forward():
    m = model("numpy", "GRU")
    with pytest.raises(RuntimeError, match="forward"):
        m.backward(np.zeros((4, 3, 7)))
    m(np.zeros((4, 3, 5)))
    with pytest.raises(InputError, match=re.escape("grad_output has the wrong shape: expected (4, 3, 7), got (4, 3, 8)")):
        m.backward(np.zeros((4, 3, 8)))


def test_torch_input_on_another_device_is_named():
    m = model("torch").to("meta")
    with pytest.raises(InputError, match="input is on cpu but the parameters are on meta"):
        m(torch.zeros(4, 3, 5, dtype=torch.float64))


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_nonlinearity(backend):
    with pytest.raises(ValueError, match="'tanh' or 'relu', got 'sigmoid'"):
        model(backend, "RNN", nonlinearity="sigmoid")


def test_numpy_model_says_a_tensor_of_the_wrong_dtype_came():
    m = snp.LSTM(5, 7)
    with pytest.raises(ValueError, match=r"input is a torch.Tensor of dtype torch.float32, but the model's "
                                         r"parameters are float64: pass x.detach\(\).cpu\(\).numpy\(\)"):
        m(torch.zeros(4, 3, 5))
    with pytest.raises(ValueError, match=r"h_0 is a torch.Tensor of dtype torch.float32"):
        m(np.zeros((4, 3, 5)), (torch.zeros(1, 3, 7), np.zeros((1, 3, 7))))
    out, _ = m(torch.zeros(4, 3, 5, dtype=torch.float64))          # a CPU tensor of the right dtype works
    assert isinstance(out, np.ndarray) and out.shape == (4, 3, 7)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_numpy_model_refuses_a_gpu_tensor_clearly():
    with pytest.raises(ValueError, match="on cuda"):
        snp.RNN(5, 7)(torch.zeros(4, 3, 5, dtype=torch.float64, device="cuda"))


def test_input_error_is_caught_as_value_error_and_as_runtime_error():
    m = model("torch", "GRU")
    for kind in (ValueError, RuntimeError):
        with pytest.raises(kind, match=r"expected input_size=5, got 3"):
            m(data("torch", 4, 2, 3))
    assert issubclass(InputError, ValueError) and issubclass(InputError, RuntimeError)
    assert snp.InputError is st.InputError is InputError


@pytest.mark.parametrize("backend", BACKENDS)
def test_messages_end_with_torch_nn_words(backend):
    """A search for torch.nn's message (or a torch-style assertRaisesRegex) finds ours too."""
    m = model(backend, num_layers=2)
    with pytest.raises(InputError, match=re.escape("input.size(-1) must be equal to input_size. Expected 5, got 3")):
        m(data(backend, 4, 2, 3))
    with pytest.raises(InputError, match=r"Expected hidden\[0\] size \(2, 3, 7\), got \[1, 3, 7\]"):
        m(data(backend, 4, 3, 5), (data(backend, 1, 3, 7), data(backend, 2, 3, 7)))
    with pytest.raises(InputError, match=r"Expected hidden\[1\] size"):
        m(data(backend, 4, 3, 5), (data(backend, 2, 3, 7), data(backend, 2, 3, 6)))
    with pytest.raises(InputError, match="Expected sequence length to be larger than 0 in RNN"):
        m(data(backend, 0, 3, 5))
    with pytest.raises(InputError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        m(data(backend, 4, 5), (data(backend, 2, 1, 7), data(backend, 2, 1, 7)))


def test_torch_dtype_message_says_how_to_convert():
    with pytest.raises(ValueError, match=r"RNN input dtype \(torch.float32\) does not match weight dtype "
                                         r"\(torch.float64\)\. Convert input: input\.to\(torch.float64\), "
                                         r"or convert model: model\.to\(torch.float32\)"):
        model("torch")(data("torch", 4, 3, 5, dtype=np.float32))


def test_numpy_dtype_message_names_numpy_methods():
    with pytest.raises(InputError, match=re.escape("input.astype(float64) or model.astype(float32)")):
        model("numpy")(np.zeros((4, 3, 5), np.float32))


def test_torch_state_on_another_device_is_named():
    m = model("torch", "GRU")
    with pytest.raises(InputError, match="h_0 is on meta but the parameters are on cpu.*Input and hidden tensors "
                                         "are not at the same device, found input tensor at cpu and hidden tensor at meta"):
        m(torch.zeros(4, 3, 5, dtype=torch.float64), torch.zeros(1, 3, 7, dtype=torch.float64, device="meta"))


def test_lstm_state_must_be_a_pair():
    with pytest.raises(InputError, match=r"hx must be a pair \(h_0, c_0\), got Tensor"):
        model("torch")(torch.zeros(4, 3, 5, dtype=torch.float64), torch.zeros(1, 3, 7, dtype=torch.float64))
