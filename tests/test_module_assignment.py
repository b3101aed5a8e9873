"""Module.__setattr__: a parameter cannot be silently swapped for a computed Tensor (PyTorch raises too)."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, no_grad


def _model():
    model = nn.Linear(3, 2, seed=0)
    model(np.ones((4, 3), np.float32)).sum().backward()
    return model


def test_assigning_a_computed_tensor_to_a_parameter_raises_with_the_fix():
    model = _model()
    weight = model.weight
    with pytest.raises(TypeError, match=r"cannot assign the result of an op \(a non-leaf Tensor\) as parameter "
                                        r"'weight' of Linear.*with no_grad\(\): model.weight -= lr \* model.weight.grad"):
        model.weight = model.weight - 0.1 * model.weight.grad
    assert model.weight is weight and model.parameters()[0] is weight


def test_the_same_under_no_grad_and_with_arrays():
    model = _model()
    with pytest.raises(TypeError, match="a Tensor that does not require grad as parameter 'weight'"):
        with no_grad():
            model.weight = model.weight - 0.1 * model.weight.grad
    with pytest.raises(TypeError, match="cannot assign a ndarray as parameter 'bias'"):
        model.bias = np.zeros(2)


def test_allowed_assignments():
    model = _model()
    before = model.weight.data.copy()
    model.weight.data -= 0.1 * model.weight.grad  # in place: the parameter itself changes
    np.testing.assert_allclose(model.weight.data, before - 0.1 * model.weight.grad)
    fresh = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    model.weight = fresh  # a new leaf parameter is fine (torch: an nn.Parameter)
    assert model.parameters()[0] is fresh
    model.bias = None  # as torch
    assert model.parameters() == [fresh]
    model.scale = Tensor([2.0]) - 1  # not a parameter before: any value
    model.scale = 3.0


@pytest.mark.skipif(not hasattr(Tensor, "__isub__"), reason="in-place Tensor operators are not in this build")
def test_in_place_update_under_no_grad_is_allowed():
    model = _model()
    weight, before = model.weight, model.weight.data.copy()
    with no_grad():
        model.weight -= 0.1 * model.weight.grad
    assert model.weight is weight
    np.testing.assert_allclose(weight.data, before - 0.1 * weight.grad, rtol=1e-6)
