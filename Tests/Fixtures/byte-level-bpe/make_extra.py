"""Writes extra.json: ids from Hugging Face `tokenizers` for texts that probe the BPE
pipelines (whitespace runs, added tokens inside text, Unicode normalisation, emoji, CJK).

Run from the repository root with the reference venv:
    python Tests/Fixtures/byte-level-bpe/make_extra.py
It reads the tokenizer.json files copied under Tests/Fixtures (checking SigLIP2's against
../shared/fixtures/tiny-siglip2/golden.json) and records the tokenizers version that produced
the ids.
"""

import json
import pathlib

import tokenizers
from tokenizers import Tokenizer

FIXTURES = pathlib.Path(__file__).resolve().parent.parent

TEXTS = [
    "a  b   c    d     e",
    "x" + " " * 30 + "y",
    "   ",
    "\t\t",
    "tab\there\nnewline\r\nwindows\r\n\r\nblank",
    "\nleading newline",
    "trailing newline\n",
    "a \n b",
    "word ,comma . space before",
    "a [MASK] b",
    "a  [MASK] b",
    "[MASK]",
    " [MASK]",
    "x[MASK]y",
    "a [MASK][MASK] b",
    "[mask] lower case is text",
    "[CLS] in text [SEP]",
    "<|endoftext|><|padding|>",
    "|||IP_ADDRESS||| and |||EMAIL_ADDRESS|||",
    "caf\u00e9 vs cafe\u0301",
    "e\u0301\u0301 double accent",
    "\u1100\u1161\u11a8 hangul jamo",
    "\ufb01 ligature and \u2460 circled",
    "family \U0001F468\u200D\U0001F469\u200D\U0001F467 flag \U0001F1EB\U0001F1F7 skin \U0001F44D\U0001F3FD",
    "\u6f22\u5b57\u3068\u304b\u306a \u4e2d\u6587\u5b57 \ud55c\uad6d\uc5b4",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
    "don't I'M they're we've he'll she'd it's 'quoted'",
    "space\u00a0nbsp\u3000ideographic\u2003em\u0085nel",
    "ctrl\u0000nul\u0007bel",
    "123456789 1,000.50 \u0663\u0664",
    "mixedCASE123abc!!!???",
    "  two leading, two trailing  ",
]

# Texts for ColModernVBERT's tokenizer: image tokens inside text.
VBERT_TEXTS = [
    "<image>",
    "User:<image>Describe the image.<end_of_utterance>\nAssistant:",
    "<fake_token_around_image><row_1_col_1><image><image>\n<fake_token_around_image><global-img><image><fake_token_around_image>",
    "a <image> b",
    "query<end_of_utterance><end_of_utterance>",
    "<|begin_of_text|>text",
]

# Texts for ModernColBERT's tokenizer: its markers are normalized added tokens with a space.
COLBERT_TEXTS = ["[Q] what is it", "[D] a document", "[Q]x", "[Q]  two spaces"]


# SigLIP2's texts: its golden's six (whose unpadded ids are checked against the golden below)
# and more for lower-casing, byte fallback and whitespace.
SIGLIP2_TEXTS = [
    "HELLO World, Mixed Case",
    "tabs\tand\nnewlines  two spaces",
    "  leading and trailing  ",
    "\u00c9cole \u00e9t\u00e9 \u0130stanbul \u03a3\u039f\u03a3",
    "emoji \U0001F468\u200D\U0001F469 \u2603 \u4e2d\u6587",
    "<pad><eos> in text <unk>",
    "",
]


def ids(tokenizer, texts):
    return [
        {"text": text, "ids": tokenizer.encode(text, add_special_tokens=False).ids,
         "input_ids": tokenizer.encode(text).ids}
        for text in texts
    ]


def with_prefix_space(path):
    spec = json.loads(path.read_text())
    spec["pre_tokenizer"]["add_prefix_space"] = True
    return Tokenizer.from_str(json.dumps(spec))


def main():
    modernbert = FIXTURES / "tiny-modernbert" / "tokenizer.json"
    result = {
        "source": f"Hugging Face tokenizers {tokenizers.__version__}, Tokenizer.from_file(...).encode(text) "
                  "(ids: add_special_tokens=False; input_ids: with the post-processor's template)",
        "tokenizers_version": tokenizers.__version__,
        "modernbert": ids(Tokenizer.from_file(str(modernbert)), TEXTS),
        "modernbert_prefix_space": ids(with_prefix_space(modernbert), TEXTS),
        "colmodernvbert": ids(Tokenizer.from_file(str(FIXTURES / "tiny-colmodernvbert" / "tokenizer.json")), VBERT_TEXTS + TEXTS[:6]),
        "colbert": ids(Tokenizer.from_file(str(FIXTURES / "tiny-modernbert-colbert" / "tokenizer.json")), COLBERT_TEXTS),
    }
    siglip2 = Tokenizer.from_file(str(FIXTURES / "tiny-siglip2" / "tokenizer.json"))
    golden = json.loads((FIXTURES.parent.parent.parent / "shared" / "fixtures" / "tiny-siglip2" / "golden.json").read_text())
    for case in golden["texts"]:
        unpadded = [i for i, m in zip(case["input_ids"], case["attention_mask"]) if m]
        assert siglip2.encode(case["text"]).ids[:64] == unpadded, case["text"]
    result["siglip2"] = ids(siglip2, [case["text"] for case in golden["texts"]] + SIGLIP2_TEXTS)
    out = pathlib.Path(__file__).resolve().parent / "extra.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
