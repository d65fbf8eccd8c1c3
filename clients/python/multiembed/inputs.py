"""Turning the caller's texts, images, patch grids and pages into ``multiembed.v1.Input`` messages.

Images are sent as the encoded file (PNG or JPEG), never decoded here: the server decodes,
resizes and normalises them exactly as the model's preprocessor does, so results do not depend
on which imaging library the client has. A PIL image (if Pillow is installed) is written as a
lossless PNG for the same reason.

Patches are images the caller has already preprocessed and cut into a grid of square patches
(Protos/multiembed/v1/embed.proto, ``Patches``); see :func:`patches_input` for the array
shapes accepted, and :func:`patchify` to build them from an RGB array.

Pages (:class:`Page`) are document pages, a page image or a PDF page, which the server reads
into a text layer (a PDF's own words, or OCR) and embeds as that text (pages.proto).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import InvalidArgument
from .v1 import embed_pb2, pages_pb2

__all__ = ["PatchGrid", "Page", "ImageLike", "PatchesLike", "text_input", "image_input", "patches_input", "page_input",
           "patchify", "collect_inputs"]

ImageLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]
"""A path to a PNG/JPEG file, its bytes, or a ``PIL.Image.Image``."""


@dataclass(frozen=True)
class PatchGrid:
    """A patch grid with its shape spelt out, for arrays whose shape alone is ambiguous.

    ``data`` holds ``rows x cols x channels x patch_size x patch_size`` float32 values in
    patch-major, then (channel, y, x) order, already normalised with the model's
    ``image_mean``/``image_std``.
    """

    data: np.ndarray
    rows: int
    cols: int
    patch_size: int
    channels: int = 3


PatchesLike = Union[np.ndarray, PatchGrid]

FileLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]
"""A path to a file, or its bytes."""


@dataclass(frozen=True)
class Page:
    """A document page for the server to read (``multiembed.v1.Page``): give ``image`` (a PNG or
    JPEG page, read by OCR) or ``pdf`` (a PDF file: a page's own text layer, or OCR of a page
    without one), each as a path or the file's bytes.

    The page is embedded by the model's text tower as the text read; results carry that text
    with every word's box (:class:`~multiembed.PageText`).

    Attributes:
        image: a page image: path or bytes.
        pdf: a PDF file: path or bytes.
        page_number: PDF only, from 1; 0 = page 1, except in ``upsert``, where a PDF with
            page_number 0 becomes one document per page, ids ``"<id>#<n>"``.
        languages: OCR languages, Tesseract's names (``["eng"]``, ``["eng", "fra"]``); empty =
            the server's default.
        name: for error messages (a file name); default the path's file name, if given a path.
        include_patches: also the page image's patch vectors, after its words' token vectors
            (a model with a vision tower, such as CLIP).
    """

    image: Optional[FileLike] = None
    pdf: Optional[FileLike] = None
    page_number: int = 0
    languages: Sequence[str] = ()
    name: str = ""
    include_patches: bool = False

    def __post_init__(self) -> None:
        if (self.image is None) == (self.pdf is None):
            raise TypeError("a Page takes exactly one of image= or pdf=")
        if not isinstance(self.page_number, (int, np.integer)) or isinstance(self.page_number, bool) \
                or self.page_number < 0:
            raise ValueError(f"page_number must be a non-negative int, got {self.page_number!r}")
        if self.image is not None and self.page_number:
            raise ValueError("page_number is for PDF pages only")
        if isinstance(self.languages, (str, bytes)):
            raise TypeError("languages takes a list of names, e.g. ['eng']")
        for language in self.languages:
            if not isinstance(language, str):
                raise TypeError(f"languages must be str, got {type(language).__name__}")


def _file_bytes(value: FileLike, what: str) -> Tuple[bytes, str]:
    """The bytes of a path or of bytes, and the path's file name ("" for bytes)."""
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        with open(path, "rb") as f:
            return f.read(), os.path.basename(path)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), ""
    raise TypeError(f"a page's {what} is a path or bytes, got {type(value).__name__}")


def text_input(text: str) -> embed_pb2.Input:
    """An Input holding one text."""
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, got {type(text).__name__}")
    return embed_pb2.Input(text=text)


def image_input(image: ImageLike) -> embed_pb2.Input:
    """An Input holding one image file: a path, the file's bytes, or a PIL image."""
    name = ""
    if isinstance(image, (str, os.PathLike)):
        name = os.fspath(image)
        with open(name, "rb") as f:
            data = f.read()
        name = os.path.basename(name)
    elif isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
    elif _is_pil_image(image):
        buffer = io.BytesIO()
        picture = image if image.mode in ("RGB", "RGBA", "L", "LA", "P") else image.convert("RGB")
        picture.save(buffer, format="PNG")
        data = buffer.getvalue()
        name = str(getattr(image, "filename", "") or "")
    else:
        raise TypeError(
            f"images must be paths, bytes or PIL images, got {type(image).__name__} "
            "(to send preprocessed pixels, use patches=)")
    return embed_pb2.Input(image=embed_pb2.ImageBytes(data=data, name=name))


def page_input(page: Page) -> embed_pb2.Input:
    """An Input holding one page (reads the file if given a path)."""
    if not isinstance(page, Page):
        raise TypeError(f"pages must be Page values, got {type(page).__name__}")
    if page.pdf is not None:
        data, file_name = _file_bytes(page.pdf, "pdf")
        message = pages_pb2.Page(pdf=data)
    else:
        assert page.image is not None
        data, file_name = _file_bytes(page.image, "image")
        message = pages_pb2.Page(image=data)
    message.page_number = int(page.page_number)
    message.languages.extend(page.languages)
    message.name = page.name or file_name
    message.include_patches = bool(page.include_patches)
    return embed_pb2.Input(page=message)


def _is_pil_image(value: Any) -> bool:
    try:
        from PIL import Image  # optional dependency
    except ImportError:
        return False
    return isinstance(value, Image.Image)


def patches_input(patches: PatchesLike, patch_size: Optional[int] = None) -> embed_pb2.Input:
    """An Input holding one patch grid.

    Accepted forms (values float32, normalised; ``p`` the patch size, ``c`` the channels):

    - ``(rows, cols, c, p, p)``: fully described by its shape.
    - ``(rows, cols, c*p*p)``: each patch flattened; needs ``patch_size`` (``c`` follows).
    - ``(rows*cols, c, p, p)``: a flat list of patches; the grid is taken as square, so pass a
      :class:`PatchGrid` for a non-square one.
    - :class:`PatchGrid`: any array with the shape given explicitly.

    ``patch_size`` defaults to the model's (``embed`` passes ``ModelInfo.patch_size``).
    """
    rows, cols, channels, size, values = _grid_shape(patches, patch_size)
    flat = np.ascontiguousarray(values, dtype="<f4").reshape(-1)
    expected = rows * cols * channels * size * size
    if flat.size != expected:
        raise ValueError(f"patch grid {rows}x{cols} of {channels}x{size}x{size} needs {expected} values, got {flat.size}")
    return embed_pb2.Input(patches=embed_pb2.Patches(
        rows=rows, cols=cols, patch_size=size, channels=channels, data=flat.tobytes()))


def _grid_shape(patches: PatchesLike, patch_size: Optional[int]) -> Tuple[int, int, int, int, np.ndarray]:
    if isinstance(patches, PatchGrid):
        return patches.rows, patches.cols, patches.channels, patches.patch_size, np.asarray(patches.data)
    array = np.asarray(patches)
    if array.ndim == 5:
        rows, cols, channels, p, q = array.shape
        if p != q:
            raise ValueError(f"patches must be square, got {p}x{q}")
        return rows, cols, channels, p, array
    if array.ndim == 4:
        count, channels, p, q = array.shape
        side = int(round(count ** 0.5))
        if p != q or side * side != count:
            raise ValueError(
                f"a (n, c, p, p) patch array needs square patches and a square grid, got {array.shape}; "
                "wrap it in PatchGrid(rows=..., cols=...)")
        return side, side, channels, p, array
    if array.ndim == 3:
        if not patch_size:
            raise ValueError("a (rows, cols, c*p*p) patch array needs patch_size")
        rows, cols, flat = array.shape
        channels, remainder = divmod(flat, patch_size * patch_size)
        if remainder or channels == 0:
            raise ValueError(f"last axis {flat} is not channels x {patch_size} x {patch_size}")
        return rows, cols, channels, patch_size, array
    raise ValueError(f"patch arrays have 3, 4 or 5 axes, got shape {array.shape}")


def patchify(
    image: np.ndarray,
    patch_size: int,
    mean: Sequence[float],
    std: Sequence[float],
) -> PatchGrid:
    """Normalises an RGB image and cuts it into the server's patch layout.

    Args:
        image: ``(height, width, channels)`` uint8 pixels (or floats in [0, 255]); height and
            width must be multiples of ``patch_size`` (resize or crop it first, as you like).
        patch_size, mean, std: the model's ``patch_size``, ``image_mean`` and ``image_std``
            (from ``Client.info()``).
    """
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim != 3:
        raise ValueError(f"image must be (height, width, channels), got shape {pixels.shape}")
    height, width, channels = pixels.shape
    if height % patch_size or width % patch_size:
        raise ValueError(f"image {height}x{width} is not a multiple of the patch size {patch_size}")
    normalised = (pixels / 255.0 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    rows, cols = height // patch_size, width // patch_size
    # (rows, p, cols, p, c) -> (rows, cols, c, p, p): patch-major, then channel, y, x.
    grid = normalised.reshape(rows, patch_size, cols, patch_size, channels).transpose(0, 2, 4, 1, 3)
    return PatchGrid(np.ascontiguousarray(grid, dtype=np.float32), rows, cols, patch_size, channels)


def collect_inputs(
    texts: Union[None, str, Sequence[str]],
    images: Union[None, ImageLike, Sequence[ImageLike]],
    patches: Optional[Sequence[PatchesLike]],
    patch_size: Optional[int] = None,
    pages: Union[None, Page, Sequence[Page]] = None,
) -> Tuple[List[Callable[[], embed_pb2.Input]], bool]:
    """One message builder per input, texts first, then images, then patches, then pages (the
    order of the result's rows), and whether the caller passed a single text, image or page
    (then ``embed`` returns one vector rather than a batch of one, as sentence-transformers does).

    Builders defer reading image files until their request is formed.
    """
    single = False
    builders: List[Callable[[], embed_pb2.Input]] = []
    if texts is not None:
        if isinstance(texts, str):
            texts, single = [texts], True
        builders += [partial(text_input, t) for t in texts]
    if images is not None:
        if isinstance(images, (str, os.PathLike, bytes, bytearray, memoryview)) or _is_pil_image(images):
            images, single = [images], True
        builders += [partial(image_input, i) for i in images]
    if patches is not None:
        if isinstance(patches, (np.ndarray, PatchGrid)):
            raise TypeError("patches takes a list of patch grids; wrap a single one in a list")
        builders += [partial(patches_input, p, patch_size) for p in patches]
    if pages is not None:
        if isinstance(pages, Page):
            pages, single = [pages], True
        if isinstance(pages, (str, bytes)):
            raise TypeError("pages takes Page values, e.g. Page(pdf=path, page_number=1)")
        for page in pages:
            if not isinstance(page, Page):
                raise TypeError(f"pages must be Page values, got {type(page).__name__}")
        builders += [partial(page_input, p) for p in pages]
    if not builders:
        raise InvalidArgument("nothing to embed: give texts, images, patches or pages")
    if len(builders) > 1:
        single = False
    return builders, single
