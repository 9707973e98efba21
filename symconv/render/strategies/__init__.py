"""The kernel strategies: one object per way of laying out a kernel's work.

    base.py       the Strategy base class, the registry and the automatic choice, and the
                  context every kernel template is filled with
    taps.py       a whole-array operation per filter tap (single-channel and channel layers)
    batchlast.py  the taps with the batch axes last
    matrix.py     one product with the dense Toeplitz matrix
    rowgemm.py    one product with a banded matrix per block of rows (rank 2)
    gemm.py       im2col and one product per group (channel layers)
    winograd.py   Winograd F(4x4, 3x3) tiles for 3x3 stride-1 channel layers; grad_filter gemm's
"""

from .base import STRATEGIES, KernelContext, Strategy, choose, choose_strategy, register, strategies_for
from .batchlast import BatchLast
from .gemm import Gemm
from .matrix import Matrix
from .rowgemm import RowGemm, rowgemm_excess
from .taps import ChannelTaps, Taps
from .winograd import Winograd

register(Taps(), ChannelTaps(), BatchLast(), Matrix(), RowGemm(), Gemm(), Winograd())

__all__ = ["STRATEGIES", "BatchLast", "ChannelTaps", "Gemm", "KernelContext", "Matrix", "RowGemm", "Strategy", "Taps", "Winograd",
           "choose", "choose_strategy", "rowgemm_excess", "strategies_for"]
