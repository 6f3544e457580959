"""What kind of operation each traced op is: decided once, when the trace records the call
(``Node.op_kind``), and read by everything else (labels, blocks, the worked arithmetic, the drawings).

The kinds are also the drawings' colour groups (drawing/style.py): conv, linear, norm, activation,
pool, add (an element-wise join), concat, attention, reshape, other.
"""

from __future__ import annotations

# The ops (as the tracer names them) that are activations: the diagrams colour them, and a block's
# activation after its join is found among them. Softmax, a normalisation over channels, is coloured as
# one but does not follow a join.
ACTIVATIONS = frozenset(
    {"relu", "relu6", "gelu", "silu", "sigmoid", "tanh", "hardswish", "hardsigmoid", "leaky_relu", "elu", "mish"}
)
LINEAR = frozenset({"linear", "bilinear", "matmul", "bmm", "einsum"})
NORMS = frozenset({"batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm"})
ELEMENTWISE = frozenset({"add", "sub", "mul", "div"})  # joins of same-shaped (or broadcast) tensors
CONCATS = frozenset({"cat", "concat", "concatenate"})  # torch.cat and its two aliases
# The values are the input's, laid out anew (or, for dropout and drop path in eval mode, untouched).
RESHAPES = frozenset(
    {
        "flatten",
        "view",
        "reshape",
        "permute",
        "transpose",
        "getitem",
        "contiguous",
        "squeeze",
        "unsqueeze",
        "chunk",
        "split",
        "dropout",
        "identity",
        "stochastic_depth",
    }
)


def op_kind(op: str) -> str:
    """The kind of a traced op: ``conv``, ``linear``, ``norm``, ``activation``, ``pool``, ``add``,
    ``concat``, ``attention``, ``reshape`` or ``other``."""
    if op.startswith("conv"):
        return "conv"
    if op in LINEAR:
        return "linear"
    if op in NORMS:
        return "norm"
    if op in ACTIVATIONS or op == "softmax":
        return "activation"
    if "pool" in op:
        return "pool"
    if op in ELEMENTWISE:
        return "add"
    if op in CONCATS:
        return "concat"
    if "attention" in op:
        return "attention"
    if op in RESHAPES:
        return "reshape"
    return "other"
