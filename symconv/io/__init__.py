"""Everything that touches the disk or other programs: atomic file writes (``emit``), PDF builds
and page pictures (``pdf``), web page pictures (``browser``), importing and caching generated
kernels (``kernels``), and keeping compiled templates between runs (``template_cache``)."""

from .browser import screenshot
from .emit import write_files, write_text_atomic
from .kernels import cache_dir, import_kernel
from .pdf import build_pdf, render_page
from .template_cache import TemplateCache

__all__ = ["TemplateCache", "build_pdf", "cache_dir", "import_kernel", "render_page", "screenshot", "write_files",
           "write_text_atomic"]
