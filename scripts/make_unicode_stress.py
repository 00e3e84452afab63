#!/usr/bin/env python3
"""Writes the committed Unicode stress set tests/fixtures/text/unicode_stress.jsonl
(one JSON string per line): hand-picked hard cases for BERT tokenizers plus
deterministic random mixtures drawn from pools of accents, combining marks, CJK,
emoji, zero-width and control characters, RTL text and special tokens.

usage: make_unicode_stress.py OUT.jsonl
"""
import json
import random
import sys

HAND = [
    "Héllo Wörld! Ça va? Naïve café, résumé, façade, coöperate, jalapeño.",
    "e\u0301 a\u0300\u0301\u0302 o\u0308\u0304 combining stacks: Z\u0336\u0327\u030a\u0301a\u0317l\u0316go\u0352",
    "İstanbul IĞDIR ıi ß ẞ ΣΑΣ σας ΌΛΑ Ǆemal ǅ ǆ ﬁnance ﬂow Å K ℃",
    "中文分词测试：我爱北京天安门。日本語のテキスト、ひらがなとカタカナ。가나다 한국어",
    "豈 更 車 compatibility ideographs \U0002F800\U0002F801 and ext-B \U00020000\U00020001 ext-F \U0002B820\U0002B8FF\U0002CEA0",
    "emoji 😀😃 👍🏽 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ ☺︎ 🫠 🥰 #️⃣ 1️⃣",
    "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u00adsoft\u2060wj\u180emvs",
    "ctrl\x00nul\x01soh\x07bel\x08bs\x0bvt\x0cff\x1bесц\x7fdel\x85nel\x9fapc end",
    "tabs\tand\nnewlines\r\nand\u2028line\u2029para\u00a0nbsp\u3000ideo\u1680ogham\u2003em",
    "עברית שלום עולם, العربية مرحبا بالعالم، فارسی ‏rlm‎lrm \u202bembed\u202c \u2067iso\u2069",
    "a" * 99, "b" * 100, "c" * 101, "é" * 100, "é" * 101,
    "supercalifragilisticexpialidocious" * 3 + " ok",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "[CLS] [SEP] [MASK] [PAD] [UNK] inside text: the [MASK] sat on the [MASK].",
    "glued[MASK]words[SEP]here [mask] [Mask] [MASK [ MASK ] [[MASK]] [MASK][MASK]",
    "unicode punctuation: «quotes» „low“ ‘single’ — dash – ‥ … ¡hola! ¿qué? 、。「」『』【】〜",
    "math 𝐀𝐁𝐂 𝓐 ∑∫√∞ ≠ ≤ ± ×÷ ¼ ½ ² ³ ① ⅷ",
    "fullwidth ＡＢＣ ｈｅｌｌｏ １２３ ！？ halfwidth ｶﾀｶﾅ",
    "Tiếng Việt có dấu: Đây là một câu thử nghiệm. Ελληνικά: Καλημέρα κόσμε.",
    "हिन्दी देवनागरी: नमस्ते दुनिया। தமிழ் வணக்கம் ไทย สวัสดีครับ",
    "private use \ue000\uf8ff unassigned \u0378\u0379 noncharacter \ufdd0\uffff replacement \ufffd!",
    "URLs https://example.com/a?b=c&d=e#frag and e-mail first.last+tag@example.co.uk, code: x_y = f(a[0], b->c);",
    "numbers 3.14159 1,000,000 -42 +7 1e-10 0x1F 2024-01-31 12:34:56",
    "",
    "   ",
    "\u0301 leading combining mark",
    "\ud7a3\u1100\u1161\u11a8 hangul syllables and jamo",
    "ｱｲｳ が ぱ ヴ ゔ dakuten and handakuten",
]

POOLS = {
    "ascii": list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()-[]{}<>@#$%^&*_+=/\\|~`"),
    "latin": list("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝĀāĂăĄąĆćČčĎďĐđĒēĘęĚěĞğĪīİıŁłŃńŇňŌōŐőŒœŘřŚśŞşŠšŢţŤťŪūŮůŰűŸŹźŻżŽžǅǈǋ"),
    "combining": [chr(c) for c in range(0x300, 0x370)] + ["\u0483", "\u0591", "\u064b", "\u0e31", "\u20d7", "\u3099", "\u309a"],
    "cjk": list("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴"),
    "kana_hangul": list("あいうえおかきくけこがぎぐげごぱぴぷぺぽアイウエオカキクケコガギグゲゴパピプペポヴ가나다라마바사아자차카타파하한국어"),
    "emoji": ["😀", "😃", "👍", "🏽", "👨\u200d👩\u200d👧", "🇫🇷", "❤️", "🫠", "🥰", "🤖", "🎉", "🙏🏿", "\u200d", "\ufe0f"],
    "zero_width_control": ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u2060", "\u200e", "\u200f", "\x00", "\x01", "\x1f",
                            "\x7f", "\x85", "\x9f", "\t", "\n", "\r", "\x0b", "\x0c", "\u2028", "\u2029", "\u00a0", "\u3000", "\ufffd", "\ue000"],
    "rtl": list("שלוםעולםמרחבابالعالمفارسیعربی") + ["\u064b", "\u0651", "\u05b7"],
    "punct": list("«»„“”‘’—–‥…¡¿、。「」『』【】〜·•†‡§¶※‼⁉⸮჻།"),
    "special": ["[MASK]", "[SEP]", "[CLS]", "[PAD]", "[UNK]", "[mask]", "[MASK", "MASK]"],
    "greek_cyrillic": list("αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΕΣΩάέήίόύώϊϋΐΰабвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙ"),
    "indic_thai": list("नमस्तेदुनियाहिन्दीவணக்கம்สวัสดีครับ"),
}


def random_line(rng):
    pools = rng.sample(sorted(POOLS), k=rng.randint(1, 4))
    out = []
    for _ in range(rng.randint(1, 60)):
        pool = POOLS[rng.choice(pools)]
        out.append(rng.choice(pool))
        if rng.random() < 0.2:
            out.append(" ")
    return "".join(out)


def random_codepoints(rng):
    # Arbitrary assigned-or-not code points outside the surrogates.
    cps = []
    for _ in range(rng.randint(1, 20)):
        plane = rng.choice([0, 0, 0, 1, 2])
        cp = rng.randint(0x20, 0xFFFF) if plane == 0 else rng.randint(plane << 16, (plane << 16) | 0xFFFF)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        cps.append(chr(cp))
        if rng.random() < 0.3:
            cps.append(" ")
    return "".join(cps)


def main():
    rng = random.Random(20240531)
    lines = list(HAND)
    lines += [random_line(rng) for _ in range(3000)]
    lines += [random_codepoints(rng) for _ in range(1000)]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=True) + "\n")
    print(f"{len(lines)} lines -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
