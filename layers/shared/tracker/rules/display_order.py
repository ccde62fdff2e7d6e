"""The order in which text displays: the Unicode Bidirectional Algorithm (UAX #9), as far as the
identifier guard needs it to read digits and letters as a reader sees them.

A run of right-to-left text displays from right to left, and numbers inside it join it: after a
Hebrew or Arabic letter, or U+200F RIGHT-TO-LEFT MARK or U+061C ARABIC LETTER MARK, digit groups
separated by spaces display in reverse order, each group's digits still left to right, so
``"\\u200f5919 476 943"`` displays as "943 476 5919". Arabic-Indic digits do so with no letter at all,
and in a right-to-left paragraph the groups of a number written with no right-to-left letter reverse
too.

Implemented, for each paragraph (P1): the paragraph's direction from its first strong letter (P2,
P3) or given; boundary neutrals and the explicit formatting characters left out (X9); the weak types
(W1-W7); bracket pairs (N0 with BD16, as every renderer since Unicode 6.3 in 2013 does); the other
neutrals (N1, N2); the implicit levels (I1, I2); segment separators and trailing white space at the
paragraph's level (L1); and the reversal (L2).

Not implemented: explicit embeddings, overrides and isolates (X1-X8; free text refuses them,
URLs refuse them unencoded, addresses are ASCII: read here as if absent, as X9 reads their
remains); line wrapping (each paragraph is read as one line); mirrored glyphs (L4) and the placing
of combining marks (L3), which move no letter or digit.
"""

import unicodedata

LEFT_TO_RIGHT = 0
RIGHT_TO_LEFT = 1

# X9: not there for the algorithm (in display they are nothing, or, for the explicit formatting
# characters no caller lets through, they are read as if absent).
_LEFT_OUT = frozenset({"BN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_NEUTRAL = frozenset({"B", "S", "WS", "ON"})
_AS_RIGHT_TO_LEFT = frozenset({"R", "AN", "EN"})  # numbers count as right-to-left for neutrals (N1)
_RIGHT_TO_LEFT_TEXT = frozenset({"R", "AL", "AN"})  # what can move text in a left-to-right paragraph
_MAX_BRACKET_DEPTH = 63  # BD16

# The Bidi_Class of a code point this Python's Unicode leaves unassigned, by block, from
# DerivedBidiClass.txt's @missing lines: a renderer with a newer Unicode reads a new Hebrew or Arabic
# letter as right-to-left. Noncharacters (U+nFFFE, U+nFFFF) are BN; everywhere else, L.
_UNASSIGNED_CLASSES: tuple[tuple[int, int, str], ...] = (
    (0x2060, 0x206F, "BN"),
    (0xFDD0, 0xFDEF, "BN"),
    (0xFFF0, 0xFFF8, "BN"),
    (0xE0000, 0xE0FFF, "BN"),
    (0x0590, 0x05FF, "R"),
    (0x0600, 0x07BF, "AL"),
    (0x07C0, 0x085F, "R"),
    (0x0860, 0x08FF, "AL"),
    (0x20A0, 0x20CF, "ET"),
    (0xFB1D, 0xFB4F, "R"),
    (0xFB50, 0xFDCF, "AL"),
    (0xFDF0, 0xFDFF, "AL"),
    (0xFE70, 0xFEFF, "AL"),
    (0x10800, 0x10CFF, "R"),
    (0x10D00, 0x10D3F, "AL"),
    (0x10D40, 0x10EBF, "R"),
    (0x10EC0, 0x10EFF, "AL"),
    (0x10F00, 0x10F2F, "R"),
    (0x10F30, 0x10F6F, "AL"),
    (0x10F70, 0x10FFF, "R"),
    (0x1E800, 0x1EC6F, "R"),
    (0x1EC70, 0x1ECBF, "AL"),
    (0x1ECC0, 0x1ECFF, "R"),
    (0x1ED00, 0x1ED4F, "AL"),
    (0x1ED50, 0x1EDFF, "R"),
    (0x1EE00, 0x1EEFF, "AL"),
    (0x1EF00, 0x1EFFF, "R"),
)

# Bidi_Paired_Bracket: an opening bracket (Ps, mirrored) pairs with the next closing one (Pe,
# mirrored) in code point order, but for these two, which BidiBrackets.txt pairs crosswise.
_CROSSED_BRACKETS = {"\u298d": "\u2990", "\u298f": "\u298e"}
_CANONICAL_BRACKETS = {"\u2329": "\u3008", "\u232a": "\u3009"}  # N0 pairs canonical equivalents


def bidi_class(char: str) -> str:
    """The character's Bidi_Class (UAX #9 table 4)."""
    known = unicodedata.bidirectional(char)
    if known:
        return known
    code = ord(char)
    if code & 0xFFFE == 0xFFFE:
        return "BN"
    return next((name for first, last, name in _UNASSIGNED_CLASSES if first <= code <= last), "L")


def _is_bracket(char: str, category: str) -> bool:
    return unicodedata.category(char) == category and unicodedata.mirrored(char) == 1


def closing_bracket(opening: str) -> str | None:
    """The closing bracket an opening bracket pairs with (Bidi_Paired_Bracket), or None."""
    opening = _CANONICAL_BRACKETS.get(opening, opening)
    if not _is_bracket(opening, "Ps"):
        return None
    if opening in _CROSSED_BRACKETS:
        return _CROSSED_BRACKETS[opening]
    for step in (1, 2):  # "(" and ")" are neighbours; "[" and "]" have "\" between them
        candidate = chr(ord(opening) + step)
        if _is_bracket(candidate, "Pe"):
            return candidate
    return None


def _strong(bidi_type: str) -> str | None:
    """A resolved type as strong for N0 and N1: L, R (numbers count as R), or None for a neutral."""
    if bidi_type == "L":
        return "L"
    return "R" if bidi_type in _AS_RIGHT_TO_LEFT else None


def paragraph_direction(classes: list[str]) -> int:
    """P2, P3: right-to-left if the first strong letter is R or AL, else left-to-right."""
    for bidi_type in classes:
        if bidi_type == "L":
            return LEFT_TO_RIGHT
        if bidi_type in ("R", "AL"):
            return RIGHT_TO_LEFT
    return LEFT_TO_RIGHT


def _weak_types(types: list[str], sos: str) -> None:
    """W1-W7, in place, on the characters X9 keeps."""
    previous = sos
    for at, bidi_type in enumerate(types):  # W1: a mark takes the type of what it is drawn on
        if bidi_type == "NSM":
            types[at] = previous
        previous = types[at]
    last_strong = sos
    for at, bidi_type in enumerate(types):  # W2, W3
        if bidi_type in ("L", "R", "AL"):
            last_strong = bidi_type
            if bidi_type == "AL":
                types[at] = "R"
        elif bidi_type == "EN" and last_strong == "AL":
            types[at] = "AN"
    for at in range(1, len(types) - 1):  # W4: one separator inside a number
        before, here, after = types[at - 1], types[at], types[at + 1]
        if before == after and (
            (here == "ES" and before == "EN") or (here == "CS" and before in ("EN", "AN"))
        ):
            types[at] = before
    at = 0
    while at < len(types):  # W5: terminators next to a European number
        if types[at] != "ET":
            at += 1
            continue
        end = at
        while end < len(types) and types[end] == "ET":
            end += 1
        if (at > 0 and types[at - 1] == "EN") or (end < len(types) and types[end] == "EN"):
            types[at:end] = ["EN"] * (end - at)
        at = end
    last_strong = sos
    for at, bidi_type in enumerate(types):  # W6, W7
        if bidi_type in ("ES", "ET", "CS"):
            types[at] = "ON"
        elif bidi_type in ("L", "R"):
            last_strong = bidi_type
        elif bidi_type == "EN" and last_strong == "L":
            types[at] = "L"


def _bracket_pairs(chars: list[str], types: list[str]) -> list[tuple[int, int]]:
    """BD16: the paired brackets, ordered by their opening bracket."""
    pairs: list[tuple[int, int]] = []
    openings: list[tuple[str, int]] = []  # (the closing bracket wanted, where the opening one is)
    for at, char in enumerate(chars):
        if types[at] != "ON":
            continue
        wanted = closing_bracket(char)
        if wanted is not None:
            if len(openings) == _MAX_BRACKET_DEPTH:
                break
            openings.append((wanted, at))
        elif _is_bracket(char, "Pe"):
            closing = _CANONICAL_BRACKETS.get(char, char)
            for depth in range(len(openings) - 1, -1, -1):
                if openings[depth][0] == closing:
                    pairs.append((openings[depth][1], at))
                    del openings[depth:]
                    break
    return sorted(pairs)


def _paired_brackets(chars: list[str], types: list[str], original: list[str], embedding: str) -> None:
    """N0, in place: a pair of brackets takes the direction of what it encloses, or of what precedes it
    (with no embeddings, the start of the paragraph has the paragraph's direction)."""
    for opening, closing in _bracket_pairs(chars, types):
        inside = {_strong(bidi_type) for bidi_type in types[opening + 1 : closing]} - {None}
        if not inside:
            continue
        if embedding in inside:
            direction = embedding
        else:  # only the opposite direction inside: the brackets take it if what precedes them has it
            direction = next(
                (strong for bidi_type in reversed(types[:opening]) if (strong := _strong(bidi_type))),
                embedding,
            )
        for at in (opening, closing):
            types[at] = direction
            following = at + 1
            while following < len(types) and original[following] == "NSM":
                types[following] = direction
                following += 1


def _neutrals(types: list[str], embedding: str) -> None:
    """N1, N2, in place: a run of neutrals between two of the same direction takes it, else the
    paragraph's (with no embeddings, sos and eos are the paragraph's direction)."""
    at = 0
    while at < len(types):
        if types[at] not in _NEUTRAL:
            at += 1
            continue
        end = at
        while end < len(types) and types[end] in _NEUTRAL:
            end += 1
        # Next to a run of neutrals is a strong type or a number: never None.
        before = _strong(types[at - 1]) if at > 0 else embedding
        after = _strong(types[end]) if end < len(types) else embedding
        types[at:end] = [before if before == after and before else embedding] * (end - at)
        at = end


def _levels(paragraph: str, classes: list[str], direction: int) -> list[int]:
    """The embedding level of each character of one paragraph (I1, I2, L1)."""
    kept = [at for at, bidi_type in enumerate(classes) if bidi_type not in _LEFT_OUT]
    original = [classes[at] for at in kept]
    types = list(original)
    sos = "R" if direction == RIGHT_TO_LEFT else "L"
    _weak_types(types, sos)
    _paired_brackets([paragraph[at] for at in kept], types, original, sos)
    _neutrals(types, sos)
    levels = [direction] * len(paragraph)
    for at, bidi_type in zip(kept, types, strict=True):
        if direction == LEFT_TO_RIGHT:
            levels[at] = {"R": 1, "AN": 2, "EN": 2}.get(bidi_type, 0)
        else:
            levels[at] = 2 if bidi_type in ("L", "EN", "AN") else 1
    for at in range(1, len(paragraph)):  # what X9 left out sits at its neighbour's level
        if classes[at] in _LEFT_OUT:
            levels[at] = levels[at - 1]
    # L1: separators, and white space before them or at the end of the line, at the paragraph's level.
    trailing = True
    for at in range(len(paragraph) - 1, -1, -1):
        if classes[at] in ("S", "B"):
            levels[at] = direction
            trailing = True
        elif trailing and (classes[at] == "WS" or classes[at] in _LEFT_OUT):
            levels[at] = direction
        else:
            trailing = False
    return levels


def _reordered(paragraph: str, levels: list[int]) -> str:
    """L2: from the highest level to the lowest odd one, reverse every run at that level or higher."""
    order = list(range(len(paragraph)))
    placed_levels = list(levels)
    highest = max(levels, default=0)
    lowest_odd = min((level for level in levels if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        at = 0
        while at < len(order):
            if placed_levels[at] < level:
                at += 1
                continue
            end = at
            while end < len(order) and placed_levels[end] >= level:
                end += 1
            order[at:end] = order[at:end][::-1]
            placed_levels[at:end] = placed_levels[at:end][::-1]
            at = end
    return "".join(paragraph[at] for at in order)


def _paragraph_ends(classes: list[str]) -> list[int]:
    """P1: where each paragraph ends, after the separator that ends it."""
    ends = [at + 1 for at, bidi_type in enumerate(classes) if bidi_type == "B"]
    if not ends or ends[-1] < len(classes):
        ends.append(len(classes))
    return ends


def _displayed(paragraph: str, classes: list[str], direction: int) -> str:
    if direction == LEFT_TO_RIGHT and not _RIGHT_TO_LEFT_TEXT.intersection(classes):
        return paragraph  # all of it left to right: nothing moves
    end = len(paragraph) - 1 if classes and classes[-1] == "B" else len(paragraph)
    line = paragraph[:end]
    return _reordered(line, _levels(line, classes[:end], direction)) + paragraph[end:]


def displayed(paragraph: str, direction: int) -> str:
    """One paragraph's characters in the order they display, left to right; the separator that ends it
    stays at its end (it ends the line)."""
    return _displayed(paragraph, [bidi_class(char) for char in paragraph], direction)


def display_orders(text: str) -> list[str]:
    """The orders ``text`` can display in, other than as stored: every paragraph left to right (as the
    service's pages show text); each paragraph in the direction of its own first strong letter (as
    plain text is shown); and every paragraph in the direction of the text's first strong letter (as
    an HTML element with ``dir="auto"`` is shown). Text with no right-to-left letter or digit displays
    as stored in all of these, so its list is empty."""
    if text.isascii():  # the common case, quickly: no ASCII character is R, AL or AN
        return []
    classes = [bidi_class(char) for char in text]
    if not _RIGHT_TO_LEFT_TEXT.intersection(classes):
        return []
    ends = _paragraph_ends(classes)
    spans = list(zip([0, *ends[:-1]], ends, strict=True))
    own_directions = [paragraph_direction(classes[start:end]) for start, end in spans]
    layouts = (
        [LEFT_TO_RIGHT] * len(spans),
        own_directions,
        [paragraph_direction(classes)] * len(spans),
    )
    shown: dict[tuple[int, int], str] = {}
    readings: list[str] = []
    for directions in layouts:
        parts = []
        for (start, end), direction in zip(spans, directions, strict=True):
            if (start, direction) not in shown:
                shown[start, direction] = _displayed(text[start:end], classes[start:end], direction)
            parts.append(shown[start, direction])
        reading = "".join(parts)
        if reading != text and reading not in readings:
            readings.append(reading)
    return readings
