"""Drive the explorables of a web page as a reader does, and check what they draw.

Used by ``test_explorable.py`` (a page written from one explorable) and ``test_explorables.py``
(every page of the built book that has one). For each ``div.codelib-explorable`` it moves every
slider with the keyboard (Home, arrow keys, End) and with the mouse (a click in the middle, drags
past either end), presses Play and Pause, and after each move
compares what the SVG shows with the precomputed data embedded in the page, decoded here in
Python independently of the page's script: every drawn element's ``data-param-index`` is the
sliders' position, its path ``d`` (or image ``href``) is the precomputed one for those values at
the shown step, the head dot sits at the path's point of that step, and the sliders'
``aria-valuetext`` and the note say the parameter's value with its name.
"""

from __future__ import annotations

import json
import re

#: What the page shows, read in one call: the sliders and every drawn element's attributes.
READ = """root => ({
    params: [...root.querySelectorAll("input.codelib-explorable-param")].map(s => ({
        value: s.value, text: s.getAttribute("aria-valuetext"),
        shown: s.nextElementSibling.textContent})),
    step: (s => s ? {value: s.value, text: s.getAttribute("aria-valuetext")} : null)(
        root.querySelector("input.codelib-explorable-step")),
    note: root.querySelector("output.codelib-explorable-note").textContent,
    drawn: [...root.querySelectorAll("[data-layer]")].map(e => ({
        tag: e.tagName.toLowerCase(), layer: e.getAttribute("data-layer"), path: e.getAttribute("data-path"),
        index: e.getAttribute("data-param-index"), step: e.getAttribute("data-step"),
        d: e.getAttribute("d"), href: e.getAttribute("href"), cx: e.getAttribute("cx"),
        cy: e.getAttribute("cy"), visibility: e.getAttribute("visibility")})),
})"""


def expand(text: str) -> list[str]:
    """The tokens of one precomputed path: ``token*r`` stands for r copies."""
    tokens: list[str] = []
    for token in text.split(" "):
        body, _, count = token.partition("*")
        tokens.extend([body] * (int(count) if count else 1))
    return tokens


def head(tokens: list[str]) -> tuple[int, int] | None:
    """Where the pen ends after ``tokens`` (M is absolute, l relative), None if that point is outside."""
    x = y = 0
    for token in tokens:
        for command, a, b in re.findall(r"([Ml])(-?\d+),(-?\d+)", token):
            x, y = (int(a), int(b)) if command == "M" else (x + int(a), y + int(b))
    return None if not tokens[-1] or tokens[-1].endswith("~") else (x, y)


def flat_index(shape: list[int], index: list[int]) -> int:
    flat = 0
    for n, i in zip(shape, index):
        flat = flat * n + min(i, n - 1)
    return flat


def mismatches(data: dict, shown: dict, where: str) -> list[str]:
    """What the page shows that is not the precomputed result for its sliders' values."""
    problems = []
    index = [int(p["value"]) for p in shown["params"]]
    step = int(shown["step"]["value"]) if shown["step"] else data["steps"]
    for d, (p, i) in enumerate(zip(shown["params"], index)):
        expected = f"{data['names'][d]} = {data['values'][d][i]}"
        if p["text"] != expected or p["shown"] != data["values"][d][i]:
            problems.append(f"{where}: slider {d} says {p['text']!r} / {p['shown']!r}, expected {expected!r}")
    if shown["step"] and shown["step"]["text"] != f"step {step} of {data['steps']}":
        problems.append(f"{where}: step slider says {shown['step']['text']!r} at step {step}")
    note = data["notes"][flat_index(data["shape"], index)]
    if shown["note"] != note:
        problems.append(f"{where}: note {shown['note']!r}, expected {note!r}")
    for e in shown["drawn"]:
        layer = data["layers"][int(e["layer"])]
        label = f"{where}: layer {e['layer']} path {e['path']} ({e['tag']})"
        if e["index"] != ",".join(map(str, index)):
            problems.append(f"{label} shows data-param-index {e['index']}, the sliders are at {index}")
        item = layer["items"][int(e["path"])][flat_index(layer["shape"], index)]
        if layer["kind"] == "images":
            if e["href"] != item:
                problems.append(f"{label}: not the precomputed image")
            continue
        tokens = expand(item)
        upto = min(step, len(tokens) - 1) if layer["kind"] == "paths" else len(tokens) - 1
        if layer["kind"] == "paths" and e["step"] != str(step):
            problems.append(f"{label} shows data-step {e['step']}, the step slider is at {step}")
        if e["tag"] == "circle":
            end = head(tokens[: upto + 1])
            seen = (int(e["cx"]), int(e["cy"])) if e["visibility"] == "visible" else None
            if seen != end:
                problems.append(f"{label}: head at {seen}, expected {end}")
        elif e["d"] != "".join(tokens[: upto + 1]).replace("~", ""):
            problems.append(f"{label}: d is not the precomputed path up to step {upto}")
    return problems


async def drive(page, root, number: int) -> list[str]:
    """Move every slider of one explorable (``root``) and check it after each move."""
    data = json.loads(await root.eval_on_selector("script.codelib-explorable-data", "e => e.textContent"))
    problems: list[str] = []

    async def check(where: str) -> dict:
        shown = await root.evaluate(READ)
        problems.extend(mismatches(data, shown, f"explorable {number}, {where}"))
        return shown

    async def expect(slider, value: int, where: str) -> None:
        actual = int(await slider.input_value())
        if actual != value:
            problems.append(f"explorable {number}, {where}: slider at {actual}, expected {value}")
        await check(where)

    await check("as loaded")
    sliders = await root.query_selector_all("input.codelib-explorable-param")
    stepper = await root.query_selector("input.codelib-explorable-step")
    ranges = [(s, len(data["values"][d]) - 1, f"slider {d!r}") for d, s in enumerate(sliders)]
    if stepper:
        ranges.append((stepper, data["steps"], "step slider"))
    for slider, top, name in ranges:
        await slider.scroll_into_view_if_needed()
        await slider.focus()
        await page.keyboard.press("Home")
        await expect(slider, 0, f"{name}, Home")
        await page.keyboard.press("ArrowRight")
        await expect(slider, min(1, top), f"{name}, ArrowRight")
        await page.keyboard.press("End")
        await expect(slider, top, f"{name}, End")
        await page.keyboard.press("ArrowLeft")
        await expect(slider, max(top - 1, 0), f"{name}, ArrowLeft")
        box = await slider.bounding_box()
        y = box["y"] + box["height"] / 2
        await page.mouse.click(box["x"] + box["width"] / 2, y)
        middle = int(await slider.input_value())
        if abs(middle - top / 2) > max(1.0, top / 20):
            problems.append(f"explorable {number}, {name}: a click in the middle set {middle} of {top}")
        await check(f"{name}, click in the middle")
        for start, end, value, where in ((0.5, 1.2, top, "right"), (0.95, -0.2, 0, "left")):
            await page.mouse.move(box["x"] + start * box["width"], y)   # drag past one end
            await page.mouse.down()
            await page.mouse.move(box["x"] + end * box["width"], y, steps=5)
            await page.mouse.up()
            await expect(slider, value, f"{name}, dragged past the {where} end")
    if stepper:
        button = await root.query_selector("button")
        await stepper.focus()
        await page.keyboard.press("Home")
        await button.click()                                    # Play from step 0 ...
        await page.wait_for_timeout(400)
        await button.click()                                    # ... and pause
        shown = await check("after Play and Pause")
        if int(shown["step"]["value"]) == 0:
            problems.append(f"explorable {number}: Play did not advance the step")
    return problems


async def drive_all(page) -> tuple[int, list[str]]:
    """Drive every explorable of the open page; the number of explorables and the problems."""
    roots = await page.query_selector_all("div.codelib-explorable")
    problems: list[str] = []
    for number, root in enumerate(roots):
        problems += await drive(page, root, number)
    return len(roots), problems
