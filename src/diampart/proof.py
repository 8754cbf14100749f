"""An independent checker of DRUP proofs of unsatisfiability.

A SAT solver that answers UNSAT can log a DRUP proof (Heule, Hunt & Wetzler, "Trimming while
checking clausal proofs", FMCAD 2013; Wetzler, Heule & Hunt, "DRAT-trim: Efficient checking and
trimming using expressive clausal proofs", SAT 2014): a list of lemmas ``l1 l2 ... 0`` that
it learnt, and deletions ``d l1 l2 ... 0`` of clauses it dropped. Each lemma C must be a
*reverse unit propagation* (RUP) consequence of the clauses so far: assigning every literal of
C false and unit-propagating over the current clauses reaches a conflict. Then C follows from
the formula, and so does every later lemma; a proof is accepted when, after its lemmas, unit
propagation alone reaches a conflict (the empty clause is RUP).

This checker shares nothing with the solver: it reads the formula it is given (rebuilt by the
caller, not the solver's copy), re-derives every lemma by its own unit propagation (two watched
literals for long clauses, implication lists for binary ones) and names the first lemma that is
not RUP. Deletions of clauses of three or more literals are honoured (fewer clauses only makes
propagation weaker, so a lemma accepted after a deletion is still implied); deletions of unit
and binary clauses are ignored, which is sound for the same reason (every clause ever added is
implied by the formula) and keeps the implication lists simple.

Examples
--------
>>> formula = [[1, 2], [-1, 2], [1, -2], [-1, -2]]
>>> check_drup(formula, ["2 0", "0"]).ok
True
>>> report = check_drup(formula, ["1 2 -3 0"])  # a RUP lemma, but no conflict at the end
>>> report.ok, report.failed
(False, 'no conflict')
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ProofReport",
    "parse_drup",
    "check_drup",
    "read_proof",
    "write_proof",
]

Step = tuple[bool, tuple[int, ...]]
"""One proof line: (deletion?, literals)."""


@dataclass
class ProofReport:
    """Outcome of :func:`check_drup`.

    Parameters
    ----------
    ok : bool
        The proof derives the empty clause from the formula.
    failed : str or None
        ``None``, ``"lemma"`` (a lemma that is not RUP), ``"no conflict"`` (every lemma is RUP
        but the empty clause is not), ``"syntax"`` or ``"time"`` (``time_limit`` reached).
    message : str
        One line: what was found, naming the first failed lemma (1-based line of the proof).
    lemmas : int
        Lemmas checked.
    deletions : int
        Deletions read.
    seconds : float
        Wall time of the check.

    Examples
    --------
    >>> ProofReport(True, None, "ok", 2, 0, 0.0).as_dict()["lemmas"]
    2
    """

    ok: bool
    failed: str | None
    message: str
    lemmas: int = 0
    deletions: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """The report as JSON.

        Returns
        -------
        dict
            Every field.
        """
        return {"ok": self.ok, "failed": self.failed, "message": self.message, "lemmas": self.lemmas,
                "deletions": self.deletions, "seconds": self.seconds}


def parse_drup(lines: Iterable[str | bytes]) -> list[Step]:
    """Proof lines (``"l1 l2 0"``, ``"d l1 l2 0"``) as (deletion, literals) steps.

    Parameters
    ----------
    lines : iterable of str or bytes
        One clause per line, each ending with ``0``; empty lines and ``c`` comments skipped.

    Returns
    -------
    list of tuple of (bool, tuple of int)
        The steps, in order.

    Raises
    ------
    ValueError
        Naming the line (1-based) that is not a clause ending in 0.

    Examples
    --------
    >>> parse_drup(["1 -2 0", "d 3 0", "0"])
    [(False, (1, -2)), (True, (3,)), (False, ())]
    """
    steps: list[Step] = []
    for number, raw in enumerate(lines, 1):
        line = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        tokens = line.split()
        if not tokens or tokens[0] == "c":
            continue
        delete = tokens[0] == "d"
        if delete:
            tokens = tokens[1:]
        try:
            lits = [int(t) for t in tokens]
        except ValueError as err:
            raise ValueError(f"proof: line {number}: not a clause of integers: "
                             f"{line.strip()[:60]!r}") from err
        if not lits or lits[-1] != 0 or 0 in lits[:-1]:
            raise ValueError(f"proof: line {number}: a clause ends with one 0: {line.strip()[:60]!r}")
        steps.append((delete, tuple(lits[:-1])))
    return steps


class _Checker:
    """Clause database with unit propagation (literal code 2 v + (l < 0))."""

    def __init__(self, nvars: int) -> None:
        size = 2 * (nvars + 1)
        self.true = [False] * size
        self.imp: list[list[int]] = [[] for _ in range(size)]  # lit true -> these true
        self.watch: list[list[list[int]]] = [[] for _ in range(size)]  # lit false -> visit
        self.long: dict[frozenset, list[list[int]]] = {}
        self.trail: list[int] = []  # base assignments (implied by the clauses)
        self.conflict = False  # the clauses propagate to a conflict at the base

    @staticmethod
    def code(lit: int) -> int:
        return 2 * lit if lit > 0 else -2 * lit + 1

    def propagate(self, head: int) -> bool:
        """Propagate the trail from ``head``; True on a conflict."""
        true, trail, imp, watch = self.true, self.trail, self.imp, self.watch
        while head < len(trail):
            lit = trail[head]
            head += 1
            new = [q for q in imp[lit] if not true[q]]
            if new:
                for q in new:
                    true[q] = True
                trail.extend(new)  # (a literal listed twice is propagated twice: harmless)
                if [q for q in new if true[q ^ 1]]:
                    return True
            false_lit = lit ^ 1
            ws = watch[false_lit]
            keep = 0
            n = len(ws)
            i = 0
            while i < n:
                c = ws[i]
                i += 1
                if not c:
                    continue  # deleted
                if c[0] == false_lit:
                    c[0], c[1] = c[1], c[0]
                other = c[0]
                if true[other]:
                    ws[keep] = c
                    keep += 1
                    continue
                for k in range(2, len(c)):
                    q = c[k]
                    if not true[q ^ 1]:
                        c[1], c[k] = q, false_lit
                        watch[q].append(c)
                        break
                else:
                    ws[keep] = c
                    keep += 1
                    if true[other ^ 1]:
                        while i < n:
                            ws[keep] = ws[i]
                            keep += 1
                            i += 1
                        del ws[keep:]
                        return True
                    true[other] = True
                    trail.append(other)
            del ws[keep:]
        return False

    def assign_base(self, code: int) -> None:
        if self.true[code]:
            return
        if self.true[code ^ 1]:
            self.conflict = True
            return
        start = len(self.trail)
        self.true[code] = True
        self.trail.append(code)
        if self.propagate(start):
            self.conflict = True

    def add(self, lits: Sequence[int]) -> None:
        """Add a clause (implied by the formula) and propagate its consequences at the base."""
        if self.conflict:
            return
        codes = list(dict.fromkeys(self.code(x) for x in lits))
        if len({c >> 1 for c in codes}) < len(codes):
            return  # a tautology
        true = self.true
        free = [c for c in codes if not true[c ^ 1]]
        if len(codes) == 2:
            a, b = codes
            self.imp[a ^ 1].append(b)
            self.imp[b ^ 1].append(a)
        elif len(codes) > 2:
            clause = free + [c for c in codes if true[c ^ 1]]  # watch non-false literals first
            self.watch[clause[0]].append(clause)
            self.watch[clause[1]].append(clause)
            self.long.setdefault(frozenset(codes), []).append(clause)
        if any(true[c] for c in codes):
            return
        if not free:
            self.conflict = True
        elif len(free) == 1:
            self.assign_base(free[0])

    def delete(self, lits: Sequence[int]) -> None:
        key = frozenset(self.code(x) for x in lits)
        if len(key) < 3:
            return
        found = self.long.get(key)
        if found:
            found.pop().clear()

    def is_rup(self, lits: Sequence[int]) -> bool:
        """Whether assigning every literal false propagates to a conflict (base kept)."""
        if self.conflict:
            return True
        true = self.true
        codes = [self.code(x) for x in lits]
        if any(true[c] for c in codes):
            return True
        start = len(self.trail)
        conflict = False
        for c in codes:
            neg = c ^ 1
            if true[c]:
                conflict = True
                break
            if not true[neg]:
                true[neg] = True
                self.trail.append(neg)
        if not conflict:
            conflict = self.propagate(start)
        for c in self.trail[start:]:
            true[c] = False
        del self.trail[start:]
        return conflict


class _Backward:
    """Clause store for backward checking: every clause has an id, an ``alive`` flag and, for
    propagation with reasons, its literal codes; binary clauses sit in implication lists."""

    def __init__(self, nvars: int) -> None:
        size = 2 * (nvars + 1)
        self.clauses: list[list[int]] = []
        self.alive = bytearray()
        self.dead = bytearray()  # removed for good (a lemma passed going backwards)
        self.marked = bytearray()
        self.true = [False] * size
        self.reason = [-1] * size
        self.imp: list[list[tuple[int, int]]] = [[] for _ in range(size)]
        self.watch: list[list[int]] = [[] for _ in range(size)]
        self.units: list[int] = []
        self.trail: list[int] = []

    def add(self, codes: list[int]) -> int:
        cid = len(self.clauses)
        self.clauses.append(codes)
        self.alive.append(1)
        self.dead.append(0)
        self.marked.append(0)
        if len(codes) == 1:
            self.units.append(cid)
        elif len(codes) == 2:
            a, b = codes
            self.imp[a ^ 1].append((b, cid))
            self.imp[b ^ 1].append((a, cid))
        elif len(codes) > 2:
            self.watch[codes[0]].append(cid)
            self.watch[codes[1]].append(cid)
        return cid

    def _assign(self, code: int, why: int) -> int:
        """Assign; -2 when fine, else a conflict marker (-3: contradicts a true literal)."""
        if self.true[code]:
            return -2
        if self.true[code ^ 1]:
            return -3
        self.true[code] = True
        self.reason[code] = why
        self.trail.append(code)
        return -2

    def propagate(self, head: int) -> int:
        """Unit propagation from ``head``; the id of a falsified clause, or -1."""
        true, trail, imp, watch, clauses = self.true, self.trail, self.imp, self.watch, self.clauses
        alive, dead, reason = self.alive, self.dead, self.reason
        while head < len(trail):
            lit = trail[head]
            head += 1
            for q, cid in imp[lit]:
                if not true[q] and alive[cid]:
                    if true[q ^ 1]:
                        return cid
                    true[q] = True
                    reason[q] = cid
                    trail.append(q)
            false_lit = lit ^ 1
            ws = watch[false_lit]
            keep = 0
            n = len(ws)
            i = 0
            while i < n:
                cid = ws[i]
                i += 1
                if not alive[cid]:
                    if not dead[cid]:
                        ws[keep] = cid
                        keep += 1
                    continue
                c = clauses[cid]
                if c[0] == false_lit:
                    c[0], c[1] = c[1], c[0]
                other = c[0]
                if true[other]:
                    ws[keep] = cid
                    keep += 1
                    continue
                for k in range(2, len(c)):
                    q = c[k]
                    if not true[q ^ 1]:
                        c[1], c[k] = q, false_lit
                        watch[q].append(cid)
                        break
                else:
                    ws[keep] = cid
                    keep += 1
                    if true[other ^ 1]:
                        while i < n:
                            ws[keep] = ws[i]
                            keep += 1
                            i += 1
                        del ws[keep:]
                        return cid
                    true[other] = True
                    reason[other] = cid
                    trail.append(other)
            del ws[keep:]
        return -1

    def _mark_from(self, false_codes: Iterable[int]) -> None:
        """Mark every clause that forced one of these literals false, transitively."""
        true, reason, clauses, marked = self.true, self.reason, self.clauses, self.marked
        stack = [c ^ 1 for c in false_codes]  # true literals whose reasons are needed
        seen = set(stack)
        while stack:
            code = stack.pop()
            why = reason[code] if true[code] else -1
            if why < 0:
                continue  # an assumption (a literal of the clause being checked)
            marked[why] = 1
            for other in clauses[why]:
                if other != code and other ^ 1 not in seen:
                    seen.add(other ^ 1)
                    stack.append(other ^ 1)

    def rup(self, codes: Sequence[int]) -> bool:
        """Is the clause RUP over the alive clauses? On success the clauses used are marked."""
        found = False
        conflict = -1
        for cid in self.units:
            if self.alive[cid] and self._assign(self.clauses[cid][0], cid) == -3:
                code = self.clauses[cid][0]
                self.marked[cid] = 1
                self._mark_from([code])
                found = True
                break
        if not found:
            conflict = self.propagate(0)
            if conflict < 0:
                start = len(self.trail)
                for code in codes:
                    if self.true[code]:  # already implied: the clause is subsumed
                        self._mark_from([code ^ 1])
                        found = True
                        break
                    self._assign(code ^ 1, -1)
                if not found:
                    conflict = self.propagate(start)
        if conflict >= 0:
            self.marked[conflict] = 1
            self._mark_from(self.clauses[conflict])
            found = True
        for code in self.trail:
            self.true[code] = False
            self.reason[code] = -1
        self.trail.clear()
        return found


def _check_backward(formula: list[tuple[int, ...]], steps: Sequence[Step], time_limit: float | None,
                    start: float) -> ProofReport:
    """Backward checking (Heule, Hunt & Wetzler 2013): after the last lemma the empty clause
    must be RUP; then, from the last lemma to the first, each lemma that a later RUP check used
    (marked) must itself be RUP over the clauses before it; unused lemmas are skipped.
    Deletions are read but not applied."""
    nvars = max([0] + [abs(x) for c in formula for x in c] + [abs(x) for _, c in steps for x in c])
    db = _Backward(nvars)

    def codes_of(lits: Sequence[int]) -> list[int]:
        return list(dict.fromkeys(2 * x if x > 0 else -2 * x + 1 for x in lits))

    for c in formula:
        if not c:
            return ProofReport(True, None, "the formula has an empty clause", 0, 0,
                               time.perf_counter() - start)
        db.add(codes_of(c))
    history: list[tuple[int, int]] = []  # (clause id, proof step) of every lemma
    lemmas = deletions = 0
    for number, (delete, lits) in enumerate(steps, 1):
        codes = codes_of(lits)
        if delete:
            # ignored: a solver may delete the reason of a top-level unit (Glucose does), and
            # without a persistent top-level trail that would lose the unit; keeping a clause
            # is always sound (it is implied), it only makes propagation slower
            deletions += 1
            continue
        lemmas += 1
        if len({c >> 1 for c in codes}) < len(codes):
            continue  # a tautology is implied by anything and never propagates
        if not codes:
            break  # the empty clause: checked as the final conflict below
        history.append((db.add(codes), number))
    if not db.rup([]):
        return ProofReport(False, "no conflict", f"all {lemmas} lemmas read but the empty clause is not RUP",
                           lemmas, deletions, time.perf_counter() - start)
    checked = 0
    for count, (cid, number) in enumerate(reversed(history)):
        db.alive[cid] = 0
        db.dead[cid] = 1
        if not db.marked[cid]:
            continue
        if time_limit is not None and count % 64 == 0 and time.perf_counter() - start > time_limit:
            return ProofReport(False, "time", f"time limit {time_limit} s reached at proof step {number}",
                               checked, deletions, time.perf_counter() - start)
        checked += 1
        if not db.rup(db.clauses[cid]):
            lits = [c >> 1 if not c & 1 else -(c >> 1) for c in db.clauses[cid]]
            shown = " ".join(map(str, lits[:12])) + (" ..." if len(lits) > 12 else "")
            return ProofReport(False, "lemma", f"proof step {number}: lemma [{shown}] is not RUP",
                               checked, deletions, time.perf_counter() - start)
    return ProofReport(True, None, f"proof accepted: {checked} of {lemmas} lemmas used and checked "
                       f"(backward), {deletions} deletions", checked, deletions, time.perf_counter() - start)


def check_drup(
    clauses: Iterable[Sequence[int]],
    proof: Iterable[str | bytes] | Sequence[Step],
    *,
    time_limit: float | None = None,
    backward: bool = False,
    workers: int = 1,
) -> ProofReport:
    """Check a DRUP proof that ``clauses`` are unsatisfiable.

    Forward (the default): every lemma, in order, must be RUP with respect to the formula and
    the lemmas before it (deletions applied as the module docstring says); at the end the empty
    clause must be RUP. Backward (as DRAT-trim does it): the empty clause must be RUP after the
    last lemma, and only the lemmas that some RUP check used (the clauses met in the conflict
    analysis of the propagation) are checked, latest first, each over the clauses before it
    (deletions ignored, which is sound). Both are sound; backward skips unused lemmas
    but propagates the units from scratch for every lemma, which made it slower on the grid
    proofs here (77% of CaDiCaL's lemmas were used there).

    Parameters
    ----------
    clauses : iterable of sequence of int
        The formula in DIMACS literals (built by the caller, not taken from the solver).
    proof : iterable of str or bytes, or sequence of steps
        DRUP lines (:func:`parse_drup`) or already parsed steps.
    time_limit : float or None, default=None
        Give up (``failed="time"``) after this many seconds.
    backward : bool, default=False
        Backward checking (only the lemmas used); False: forward checking of every lemma.
    workers : int, default=1
        Forward checking in this many processes, each checking one segment of the proof after
        adding the lemmas before it unchecked; accepted only when every segment is (each
        lemma is checked once, over exactly the clauses before it).

    Returns
    -------
    ProofReport
        ``ok`` and the first failed condition.

    Examples
    --------
    >>> check_drup([[1], [-1, 2], [-2, 3]], ["-3 0"]).failed  # -3 is not implied
    'lemma'
    >>> check_drup([[1], [-1]], []).ok  # the formula propagates to a conflict by itself
    True
    """
    start = time.perf_counter()
    formula = [tuple(int(x) for x in c) for c in clauses]
    if isinstance(proof, Sequence) and proof and isinstance(proof[0], tuple):
        steps = list(proof)
    else:
        try:
            steps = parse_drup(proof)
        except ValueError as err:
            return ProofReport(False, "syntax", str(err), seconds=time.perf_counter() - start)
    if backward:
        return _check_backward(formula, steps, time_limit, start)
    if workers <= 1 or len(steps) < 2 * workers:
        return _check_forward(formula, steps, time_limit, start, 1, len(steps))
    bounds = [round(k * len(steps) / workers) for k in range(workers + 1)]
    jobs = [(formula, steps, time_limit, start, bounds[k] + 1, bounds[k + 1]) for k in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        reports = list(pool.map(_forward_job, jobs))
    seconds = time.perf_counter() - start
    lemmas = sum(r.lemmas for r in reports)
    for r in reports:
        if not r.ok:
            return ProofReport(False, r.failed, r.message, lemmas, reports[-1].deletions, seconds)
    return ProofReport(True, None, f"proof accepted: {lemmas} lemmas, {reports[-1].deletions} deletions "
                       f"({workers} segments)", lemmas, reports[-1].deletions, seconds)


def _forward_job(job: tuple) -> ProofReport:
    return _check_forward(*job)


def _check_forward(formula: list[tuple[int, ...]], steps: Sequence[Step], time_limit: float | None,
                   start: float, first: int, last: int) -> ProofReport:
    """Forward checking of the lemmas at proof steps first..last (1-based); earlier lemmas are
    added unchecked (another segment checks them: the proof is accepted only when every
    segment is), and only the segment that ends the proof checks the empty clause."""
    nvars = max((abs(x) for c in formula for x in c), default=0)
    nvars = max([nvars] + [abs(x) for _, c in steps for x in c])
    db = _Checker(nvars)
    for c in formula:
        if not c:
            db.conflict = True
        db.add(c)
    lemmas = deletions = 0
    for number, (delete, lits) in enumerate(steps[:last], 1):
        if db.conflict:
            break
        if delete:
            deletions += 1
            db.delete(lits)
            continue
        if number >= first:
            if time_limit is not None and lemmas % 256 == 0 and time.perf_counter() - start > time_limit:
                return ProofReport(False, "time", f"time limit {time_limit} s reached at proof step "
                                   f"{number}", lemmas, deletions, time.perf_counter() - start)
            lemmas += 1
            if not db.is_rup(lits):
                shown = " ".join(map(str, lits[:12])) + (" ..." if len(lits) > 12 else "")
                return ProofReport(False, "lemma", f"proof step {number}: lemma [{shown}] is not RUP",
                                   lemmas, deletions, time.perf_counter() - start)
        if not lits:
            db.conflict = True
            break
        db.add(lits)
    seconds = time.perf_counter() - start
    if last >= len(steps) and not db.conflict and not db.is_rup(()):
        return ProofReport(False, "no conflict", f"all {lemmas} lemmas are RUP but the empty clause "
                           "is not derived", lemmas, deletions, seconds)
    return ProofReport(True, None, f"proof accepted: {lemmas} lemmas, {deletions} deletions",
                       lemmas, deletions, seconds)


def write_proof(lines: Iterable[str], path: str | os.PathLike) -> Path:
    """Write proof lines to ``path`` (gzip when it ends in ``.gz``), atomically.

    Parameters
    ----------
    lines : iterable of str
        DRUP lines without newlines.
    path : str or os.PathLike
        The file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    data = "".join(line + "\n" for line in lines).encode("ascii")
    tmp.write_bytes(gzip.compress(data, 6, mtime=0) if path.suffix == ".gz" else data)
    os.replace(tmp, path)
    return path


def read_proof(path: str | os.PathLike, *, max_bytes: int | None = None) -> list[str]:
    """Proof lines from a file written by :func:`write_proof` (gzip when it ends in ``.gz``).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    max_bytes : int or None, default=None
        Refuse a proof longer than this once decompressed (a small gzip file can expand to
        gigabytes); None: no limit.

    Returns
    -------
    list of str
        The lines.

    Raises
    ------
    ValueError
        When the file is missing, unreadable or longer than ``max_bytes``.
    """
    path = Path(path)
    limit = -1 if max_bytes is None else max_bytes + 1
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = f.read(limit)
        else:
            with path.open("rb") as f:
                data = f.read(limit)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise ValueError(f"path: cannot read the proof {str(path)!r} ({err})") from err
    if max_bytes is not None and len(data) > max_bytes:
        raise ValueError(f"path: the proof {str(path)!r} is longer than {max_bytes} bytes")
    return data.decode("ascii", "replace").splitlines()
