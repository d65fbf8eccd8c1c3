#!/bin/sh
# Makes the python that runs colpali-engine's ColModernVBert on CPU, beside the peers' venv, and
# prints it.
#
# usage: setup-colpali-peer.sh [PEERS_VENV] [COLPALI_VENV]
#   PEERS_VENV   default /root/.cache/multiembed-peers (../shared/bench/setup-peers): torch,
#                transformers 5.25 and pillow (and the nvidia-* CUDA runtime wheels its torch needs).
#   COLPALI_VENV default /root/.cache/multiembed-colpali (made here; PEERS_VENV is not touched).
#
# Why: colpali-engine imports every model it has, ColQwen2's among them, and transformers'
# Qwen2-VL image processor imports torchvision, which must be built for the very torch it runs
# with. COLPALI_VENV holds colpali-engine 0.3.18 and a torchvision (both without dependencies);
# everything else (torch, transformers, the nvidia-* wheels) comes from PEERS_VENV through a .pth
# file placed after COLPALI_VENV's own site-packages. The torchvision tried first is the newest
# the index offers, which fits when PEERS_VENV's torch is the index's newest (torch 2.15.0+cu132
# with torchvision 0.29.2+cu132 on 2026-12-07). When it does not load (a +cpu torch 2.13, for
# which PyPI has no CPU-only torchvision: its 0.28.0 needs libtorch_cuda.so, "operator
# torchvision::nms does not exist"), COLPALI_VENV gets PyPI's CUDA torch 2.13.0 and torchvision
# 0.28.0 (the plain PyPI wheel, pinned by URL and hash, because pip would otherwise take the local
# +cpu wheel) plus nvidia-curand, the one CUDA runtime library torch 2.13.0 preloads. No GPU is
# used: the CUDA libraries only have to load. A few minutes; up to 1.3 GB in COLPALI_VENV.
set -eu
peers=${1:-/root/.cache/multiembed-peers}
venv=${2:-/root/.cache/multiembed-colpali}
torch_wheel='https://files.pythonhosted.org/packages/01/79/1f2d34ad7034ee1c7ffc1cf8bf0f8213af2a81df6ecdb3997ecec107c09d/torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl#sha256=60fcdcb2f3876e21146cb4524ef06397d727ca9ad5f020818547e25075fe3cb7'
check='from colpali_engine.models import ColModernVBert, ColModernVBertProcessor'
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  "$peers/bin/python" -m venv "$venv"
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  "$peers/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/multiembed-peers.pth"
  "$venv/bin/pip" install -q --no-deps colpali-engine==0.3.18
  "$venv/bin/pip" install -q --no-deps torchvision
  if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
    "$venv/bin/pip" install -q --no-deps "torch @ $torch_wheel" torchvision==0.28.0 nvidia-curand
    "$venv/bin/python" -c "$check" >&2
  fi
fi
echo "$venv/bin/python"
