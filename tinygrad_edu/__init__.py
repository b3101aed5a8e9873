"""tinygrad_edu: a small, readable autograd engine. `Value` for scalars, `Tensor` for numpy arrays, one graph core."""

from .autograd import AnomalyError, detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .tensor import Tensor, tensor
from .tensor.join import cat, stack
from .value import Value

__all__ = [
    "Value",
    "Tensor",
    "tensor",
    "cat",
    "stack",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "is_anomaly_enabled",
    "detect_anomaly",
    "AnomalyError",
    "gradcheck",
    "GradcheckError",
]
__version__ = "0.1.0"
