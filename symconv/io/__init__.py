"""Everything that touches the disk or other programs: atomic file writes (``emit``), PDF builds
and page pictures (``pdf``), and importing and caching generated kernels (``kernels``)."""

from .emit import write_files, write_text_atomic
from .kernels import cache_dir, import_kernel
from .pdf import build_pdf, render_page

__all__ = ["build_pdf", "cache_dir", "import_kernel", "render_page", "write_files", "write_text_atomic"]
