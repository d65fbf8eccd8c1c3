#!/usr/bin/env python3
"""A ModernBERT-base-sized text embedder with random weights, in sentence-transformers layout, to
benchmark against its peers (the real checkpoint cannot be fetched on these machines).

usage: make-random-modernbert.py OUT_DIR [FIXTURES_DIR]
Sizes of answerdotai/ModernBERT-base: hidden 768, 22 layers, 12 heads, intermediate 1152,
local window 128, global attention every third layer, RoPE theta 160000 global / 10000 local,
vocabulary 50368. The tokenizer is the tiny-modernbert fixture's (same pipeline, smaller
vocabulary): speed does not depend on which ids a text gets, only on how many.
Pooling: mean, then Normalize, max_seq_length 512 (as gte-modernbert-base and modernbert-embed).
"""
import json, os, shutil, sys
import torch
from transformers import ModernBertConfig, ModernBertModel

out = sys.argv[1]
fixtures = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/fixtures")
tiny = os.path.join(fixtures, "tiny-modernbert")
torch.manual_seed(7)
config = ModernBertConfig(
    vocab_size=50368, hidden_size=768, num_hidden_layers=22, num_attention_heads=12, intermediate_size=1152,
    local_attention=128, global_attn_every_n_layers=3, max_position_embeddings=8192,
    global_rope_theta=160000.0, local_rope_theta=10000.0,
    pad_token_id=929, bos_token_id=927, eos_token_id=928, cls_token_id=927, sep_token_id=928)
model = ModernBertModel(config).eval()
os.makedirs(out, exist_ok=True)
model.save_pretrained(out, safe_serialization=True)
for name in ["tokenizer.json", "tokenizer_config.json", "modules.json", "config_sentence_transformers.json"]:
    shutil.copy(os.path.join(tiny, name), out)
for folder in ["1_Pooling", "2_Normalize"]:
    shutil.copytree(os.path.join(tiny, folder), os.path.join(out, folder), dirs_exist_ok=True)
with open(os.path.join(out, "sentence_bert_config.json"), "w") as f:
    json.dump({"max_seq_length": 512, "do_lower_case": False}, f)
print(out)
