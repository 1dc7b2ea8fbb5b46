"""The order of each pipeline's open stages, and how far each record got.

Open stages are numbered 1…n per pipeline from, in this order of trust: the
export's sort-order column, a pipeline-stages file, the stage history (the
position at which records first enter each stage), the probability column,
and last the stage names. A record *reached* stage k when a history row has it
at k or later, or its current stage is k or later; a won record reached every
stage (DESIGN section 6).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from l2c_core import arrays, frames
from l2c_core.related import Evidence
from l2c_core.stages import (
    Catalogue,
    OrderSource,
    lookup,
    name_rank,
    number_stages,
    outcome_from_name,
)

Pairs = dict[tuple[str, str], float]


def _pairs(frame: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str], int]:
    """A code per row for its (pipeline, stage), and the values behind the codes."""
    pipe_codes, pipelines = frames.codes_and_values(frame["pipeline"])
    stage_codes, stages = frames.codes_and_values(frame["stage"])
    width = len(stages) + 1
    key = pipe_codes.astype(np.int64)
    key *= width
    key += stage_codes
    return key, pipelines, stages, width


def _decode(
    key: int, pipelines: list[str], stages: list[str], width: int
) -> tuple[str, str]:
    pipe, stage = divmod(int(key), width)
    return pipelines[pipe], stages[stage]


def _median_ranks(frame: pd.DataFrame, column: str) -> Pairs:
    """(pipeline, stage) → the median of a numeric column over its open records."""
    if column not in frame:
        return {}
    values = frame[column].to_numpy()
    rows = ~np.isnan(values) & frames.equals(frame["outcome"], "open")
    if not rows.any():
        return {}
    key, pipelines, stages, width = _pairs(frame)
    medians = pd.Series(values[rows]).groupby(key[rows]).median()
    return {
        _decode(int(str(k)), pipelines, stages, width): float(v)
        for k, v in medians.items()
    }


def _history(frame: pd.DataFrame, found: Evidence) -> pd.DataFrame:
    """History rows of the records, with each record's pipeline, in time order."""
    history = found.history
    if not len(history):
        return history.assign(pipeline=pd.Series(dtype="str"))
    ids = pd.Index(frames.texts(frame["id"]))
    pipelines = np.asarray(frames.texts(frame["pipeline"]), dtype=object)
    wanted = pd.Index(history["id"].astype("str"))
    if ids.has_duplicates:
        first = ~ids.duplicated()
        ids, pipelines = pd.Index(ids[first]), pipelines[first]
    at = ids.get_indexer(wanted)
    joined = history.assign(pipeline=pipelines[np.maximum(at, 0)])
    joined = joined[at >= 0]
    return joined.sort_values(["id", "time", "row"], na_position="last")


def _open_labels(
    frame: pd.DataFrame, history: pd.DataFrame
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per pipeline, the open stages records sit in and those only history names."""
    key, pipelines, stages, width = _pairs(frame)
    outcome_codes, outcomes = frames.codes_and_values(frame["outcome"])
    stage_codes = key % width
    votes = np.zeros((width, len(outcomes) + 1), dtype=np.int64)
    np.add.at(votes, (stage_codes, outcome_codes), 1)
    usual = {
        stages[s]: outcomes[int(votes[s].argmax())]
        for s in range(len(stages))
        if votes[s].any()
    }
    required: dict[str, list[str]] = {}
    for code in arrays.factor(key[frames.equals(frame["outcome"], "open")])[0].tolist():
        pipeline, stage = _decode(code, pipelines, stages, width)
        required.setdefault(pipeline, []).append(stage)
    optional: dict[str, list[str]] = {}
    if len(history):
        pairs = history[["pipeline", "stage"]].astype("str").drop_duplicates()
        for pipeline, stage in pairs.itertuples(index=False):
            label = str(stage)
            if usual.get(label, outcome_from_name(label)) == "open":
                optional.setdefault(str(pipeline), []).append(label)
    return required, optional


def _history_ranks(history: pd.DataFrame, open_stages: set[str]) -> Pairs:
    """(pipeline, stage) → a rank from the order records first enter stages in.

    Each pair of stages is decided by the records that entered both (which came
    first more often); a stage's rank is how many pairs it loses minus how many
    it wins, ties going to the usual funnel order of the names.
    """
    if not len(history):
        return {}
    rows = history[history["stage"].astype("str").isin(open_stages)]
    first = rows.drop_duplicates(["id", "stage"])
    ahead: dict[tuple[str, str, str], int] = {}
    stages: dict[str, set[str]] = {}
    for (pipeline, _), group in first.groupby(
        [first["pipeline"].astype("str"), first["id"].astype("str")], sort=False
    ):
        sequence = [str(s) for s in group["stage"]]
        stages.setdefault(str(pipeline), set()).update(sequence)
        for i, earlier in enumerate(sequence):
            for later in sequence[i + 1 :]:
                key = (str(pipeline), earlier, later)
                ahead[key] = ahead.get(key, 0) + 1
    ranks: Pairs = {}
    for pipeline, labels in stages.items():
        for stage in labels:
            score = 0
            for other in labels - {stage}:
                before = ahead.get((pipeline, stage, other), 0)
                after = ahead.get((pipeline, other, stage), 0)
                score += (after > before) - (before > after)
            name = name_rank(stage)
            ranks[(pipeline, stage)] = score + (
                0.0 if name is None else min(name, 9999.0) / 10000.0
            )
    return ranks


def number_open_stages(
    frame: pd.DataFrame, found: Evidence, catalogue: Catalogue
) -> tuple[dict[tuple[str, str], int], dict[str, OrderSource]]:
    """Number the open stages of every pipeline the records use.

    Returns:
        (pipeline, stage label) → number 1…n, and pipeline → where the order
        came from (a pipeline missing from both has no known order).
    """
    history = _history(frame, found)
    required, optional = _open_labels(frame, history)
    labels = {s for group in (*required.values(), *optional.values()) for s in group}
    sources: list[tuple[OrderSource, Mapping[tuple[str, str], float]]] = [
        ("sort order", _median_ranks(frame, "sort_order"))
    ]
    if catalogue:
        ranks: Pairs = {}
        for pipeline, stages in (*required.items(), *optional.items()):
            for stage in stages:
                info = lookup(catalogue, pipeline, stage)
                if info is not None and info.order is not None:
                    ranks[(pipeline, stage)] = info.order
        sources.append(("pipeline file", ranks))
    sources.append(("history", _history_ranks(history, labels)))
    sources.append(("probability", _median_ranks(frame, "probability")))
    return number_stages(required, optional, [s for s in sources if s[1]])


def conversion_columns(
    frame: pd.DataFrame, found: Evidence, numbers: Mapping[tuple[str, str], int]
) -> None:
    """Add ``stage_number`` (the current open stage's, else 0) and ``reached``."""
    n = len(frame)
    if not numbers:
        frame["stage_number"] = np.zeros(n, dtype=np.int16)
        frame["reached"] = np.zeros(n, dtype=np.int16)
        return
    key, pipelines, stages, width = _pairs(frame)
    unique, inverse = arrays.factor(key)
    numbered = np.array(
        [numbers.get(_decode(k, pipelines, stages, width), 0) for k in unique.tolist()],
        dtype=np.int16,
    )
    current = numbered[inverse]
    current[~frames.equals(frame["outcome"], "open")] = 0
    sizes: dict[str, int] = {}
    for (pipeline, _), number in numbers.items():
        sizes[pipeline] = max(sizes.get(pipeline, 0), number)
    reached = current.copy()
    history = _history(frame, found)
    if len(history):
        steps = np.array(
            [
                numbers.get((str(p), str(s)), 0)
                for p, s in zip(history["pipeline"], history["stage"], strict=True)
            ],
            dtype=np.int16,
        )
        best = (
            pd.Series(steps, index=history["id"].astype("str")).groupby(level=0).max()
        )
        ids = pd.Index(frames.texts(frame["id"]))
        from_history = best.reindex(ids).fillna(0).to_numpy().astype(np.int16)
        reached = np.maximum(reached, from_history)
    won = frames.equals(frame["outcome"], "won")
    if won.any():
        pipe_codes, _ = frames.codes_and_values(frame["pipeline"])
        size = np.array([sizes.get(p, 0) for p in pipelines] + [0], dtype=np.int16)
        reached = np.where(won, size[pipe_codes], reached).astype(np.int16)
    frame["stage_number"] = current
    frame["reached"] = reached
