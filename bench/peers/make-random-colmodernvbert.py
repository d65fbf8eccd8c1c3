#!/usr/bin/env python3
"""A ColModernVBERT-sized visual-document retriever with random weights, in colpali-engine's
layout, to benchmark against its peer (the real checkpoint cannot be fetched on these machines).

usage: make-random-colmodernvbert.py OUT_DIR [FIXTURES_DIR]
Run it with the colpali peer's python (setup-colpali-peer.sh prints it).
Sizes: transformers' ModernVBertConfig defaults with vision_config.image_size 512, i.e. the
ModernBERT-base text model (hidden 768, 22 layers, 12 heads, intermediate 1152, local window 128,
global attention every third layer, vocabulary 50368), a SigLIP base vision tower (hidden 768,
12 layers, patch 16) on 512-pixel tiles and pixel-shuffle factor 4: 64 image tokens per tile;
colpali-engine's custom_text_proj 768 -> 128.
Processor: Idefics3ImageProcessor resizing the longest edge to 2048 and cutting 512-pixel tiles
(ModernVBERT's), so a 1024x1024 page becomes 4x4 tiles plus the global image: 17 x 64 image
tokens. The tokenizer is the tiny-colmodernvbert fixture's (the ModernBERT pipeline with the
Idefics3 image tokens, ids below 1001): speed depends on how many tokens, not which.
"""
import json, os, shutil, sys
import torch
from transformers import ModernVBertConfig
from colpali_engine.models import ColModernVBert

out = sys.argv[1]
fixtures = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/fixtures")
tiny = os.path.join(fixtures, "tiny-colmodernvbert")
tiny_config = json.load(open(os.path.join(tiny, "config.json")))
torch.manual_seed(11)
config = ModernVBertConfig(vision_config={"image_size": 512}, image_token_id=tiny_config["image_token_id"])
# The fixture tokenizer's special ids (the defaults are the real 50k vocabulary's).
for key in ["bos_token_id", "cls_token_id", "eos_token_id", "sep_token_id", "pad_token_id"]:
    setattr(config.text_config, key, tiny_config["text_config"][key])
model = ColModernVBert(config).eval()
os.makedirs(out, exist_ok=True)
model.save_pretrained(out, safe_serialization=True)
for name in ["tokenizer.json", "tokenizer_config.json"]:
    shutil.copy(os.path.join(tiny, name), out)
processor = json.load(open(os.path.join(tiny, "processor_config.json")))
processor["image_processor"]["size"] = {"longest_edge": 2048}
processor["image_processor"]["max_image_size"] = {"longest_edge": 512}
processor["image_seq_len"] = 64
with open(os.path.join(out, "processor_config.json"), "w") as f:
    json.dump(processor, f, indent=2)
print(out)
