#!/bin/sh
# Makes the python that runs colpali-engine's ColModernVBert on CPU, beside the peers' venv, and
# prints it.
#
# usage: setup-colpali-peer.sh [PEERS_VENV] [COLPALI_VENV]
#   PEERS_VENV   default /root/.cache/multiembed-peers: a venv with torch 2.13 (the +cpu build),
#                transformers 5.25, colpali-engine 0.3.18, pillow, and the nvidia-* CUDA 13
#                runtime wheels that pip pulled in with them.
#   COLPALI_VENV default /root/.cache/multiembed-colpali (made here; PEERS_VENV is not touched).
#
# Why: colpali-engine imports every model it has, ColQwen2's among them, and transformers'
# Qwen2-VL image processor imports torchvision. PyPI has no CPU-only torchvision: its
# torchvision 0.28.0 (the one for torch 2.13) is built against PyPI's CUDA torch 2.13.0 and its
# _C.so needs libtorch_cuda.so, which the +cpu torch lacks ("operator torchvision::nms does not
# exist"). So COLPALI_VENV holds PyPI's CUDA torch 2.13.0 and torchvision 0.28.0, installed
# without dependencies (the plain PyPI wheel, pinned by URL and hash, because pip would otherwise
# take the local +cpu wheel), plus nvidia-curand, the one CUDA runtime library torch 2.13.0
# preloads that PEERS_VENV lacks; everything else (transformers, colpali-engine, the other
# nvidia-* wheels) comes from PEERS_VENV through a .pth file placed after COLPALI_VENV's own
# site-packages. No GPU is used: the CUDA libraries only have to load.
# About 1.3 GB in COLPALI_VENV (torch's 530 MB wheel unpacked); a few minutes.
set -eu
peers=${1:-/root/.cache/multiembed-peers}
venv=${2:-/root/.cache/multiembed-colpali}
torch_wheel='https://files.pythonhosted.org/packages/01/79/1f2d34ad7034ee1c7ffc1cf8bf0f8213af2a81df6ecdb3997ecec107c09d/torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl#sha256=60fcdcb2f3876e21146cb4524ef06397d727ca9ad5f020818547e25075fe3cb7'
if ! "$venv/bin/python" -c 'from colpali_engine.models import ColModernVBert' 2>/dev/null; then
  "$peers/bin/python" -m venv "$venv"
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  "$peers/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/multiembed-peers.pth"
  "$venv/bin/pip" install -q --no-deps "torch @ $torch_wheel" torchvision==0.28.0 nvidia-curand
  "$venv/bin/python" -c 'from colpali_engine.models import ColModernVBert, ColModernVBertProcessor' >&2
fi
echo "$venv/bin/python"
