"""Constructor arguments are checked as torch.nn checks them, in both backends, and the message says what came.

(test_torch_errors.py compares the exception types with torch.nn's case by case; this file checks
the words, the NumPy backend, and what a valid argument turns into.)
"""
import re

import numpy as np
import pytest

import seqlearn.numpy as snp
import seqlearn.torch as st

LIBS = [pytest.param(snp, id="numpy"), pytest.param(st, id="torch")]
KINDS = ["RNN", "LSTM", "GRU"]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("args,kwargs,error,message", [
    ((5, 0), {}, ValueError, "hidden_size must be greater than zero, got 0"),
    ((0, 5), {}, ValueError, "input_size must be greater than zero, got 0"),
    ((5, 7, 0), {}, ValueError, "num_layers must be greater than zero, got 0"),
    ((5.0, 7), {}, TypeError, "input_size should be of type int, got: float (5.0)"),
    ((5, "7"), {}, TypeError, "hidden_size should be of type int, got: str ('7')"),
    ((5, 7, 2.0), {}, TypeError, "num_layers should be of type int, got: float (2.0)"),
    ((5, 7), {"bias": 0}, TypeError, "bias should be of type bool, got: int (0)"),
    ((5, 7), {"batch_first": "False"}, TypeError, "batch_first should be of type bool, got: str ('False')"),
    ((5, 7), {"bidirectional": 1}, TypeError, "bidirectional should be of type bool, got: int (1)"),
    ((5, 7), {"batch_frist": True}, TypeError, "__init__() got an unexpected keyword argument 'batch_frist'"),
])
def test_bad_constructor_arguments(lib, kind, args, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        getattr(lib, kind)(*args, **kwargs)


@pytest.mark.parametrize("dropout", [1.5, -0.1, True, "0.1", None])
def test_dropout_must_be_a_probability(dropout):
    with pytest.raises(ValueError, match=r"dropout should be a number in range \[0, 1\] representing the "
                                         rf"probability of an element being zeroed, got {re.escape(repr(dropout))}"):
        st.LSTM(5, 7, 2, dropout=dropout)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("proj_size,message", [(-1, "proj_size should be a positive integer or zero to disable "
                                                    "projections, got -1"),
                                               (7, "proj_size has to be smaller than hidden_size, got proj_size=7 "
                                                   "and hidden_size=7")])
def test_bad_proj_size(lib, proj_size, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        lib.LSTM(5, 7, proj_size=proj_size)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("kind", ["RNN", "GRU"])
@pytest.mark.parametrize("proj_size", [0, 3])
def test_proj_size_is_for_the_lstm_only(lib, kind, proj_size):
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
        getattr(lib, kind)(5, 7, proj_size=proj_size)


@pytest.mark.parametrize("lib", LIBS)
def test_cell_options_are_checked(lib):
    with pytest.raises(ValueError, match=re.escape("Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.")):
        lib.RNN(5, 7, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="reset_after should be of type bool, got: int"):
        lib.GRU(5, 7, reset_after=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonlinearity'"):
        lib.LSTM(5, 7, nonlinearity="relu")


@pytest.mark.parametrize("lib", LIBS)
def test_valid_arguments_become_plain_python_values(lib):
    m = lib.LSTM(np.int64(5), np.int32(7), num_layers=np.int16(2), bias=False, proj_size=np.int64(3))
    values = [m.input_size, m.hidden_size, m.num_layers, m.proj_size]
    assert values == [5, 7, 2, 3] and all(type(v) is int for v in values)
    if lib is st:
        assert type(st.GRU(5, 7, 2, dropout=1).dropout) is float


def test_nonlinearity_may_be_passed_by_position_as_in_torch():
    assert st.RNN(2, 3, 1, "relu").nonlinearity == "relu"
    assert snp.RNN(2, 3, 1, "relu").nonlinearity == "relu"
    assert st.RNN(2, 3).mode == "RNN_TANH" and st.RNN(2, 3, nonlinearity="relu").mode == "RNN_RELU"
