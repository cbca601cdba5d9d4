"""The linear programs of the disclosure audit: one set of equations and bounds, minimised and
maximised for one variable after another.

HiGHS (the solver scipy's `linprog` runs) is used directly where this scipy has it: the model
is passed once and only the objective changes between solves, so each solve starts from the
last one's basis and skips `linprog`'s checks of its arguments (about thirty times faster on
the audit's small programs). `linprog` answers the same where that module is missing."""

from __future__ import annotations

from typing import Any

INFINITY = float("inf")


def _highs() -> Any | None:
    try:  # scipy's own copy of HiGHS: not a public interface, hence the fallback
        from scipy.optimize._highspy import _core
    except ImportError:
        return None
    needed = ("_Highs", "HighsLp", "HighsModelStatus", "MatrixFormat")
    if not all(hasattr(_core, name) for name in needed):
        return None
    return _core if hasattr(_core._Highs, "clearSolver") else None


class LinearProgram:
    """Variables x with bounds (low, high or None), equations A x = b (dense rows)."""

    def __init__(
        self,
        equations: list[list[float]],
        targets: list[float],
        bounds: list[tuple[float, float | None]],
        direct: bool = True,
    ) -> None:
        self.equations, self.targets, self.bounds = equations, targets, bounds
        self.size = len(bounds)
        self._core = _highs() if direct else None
        self._model: Any = None
        if self._core is not None:
            try:
                self._model = self._pass_model(self._core)
            except (AttributeError, TypeError, ValueError):
                self._core = self._model = None

    def _pass_model(self, core: Any) -> Any:
        import numpy as np

        lp = core.HighsLp()
        lp.num_col_, lp.num_row_ = self.size, len(self.equations)
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = np.array([low for low, _ in self.bounds], dtype=float)
        lp.col_upper_ = np.array(
            [INFINITY if high is None else high for _, high in self.bounds], dtype=float
        )
        lp.row_lower_ = lp.row_upper_ = np.array(self.targets, dtype=float)
        starts, indexes, values = [0], [], []
        for column in range(self.size):
            for row, equation in enumerate(self.equations):
                if equation[column]:
                    indexes.append(row)
                    values.append(equation[column])
            starts.append(len(indexes))
        lp.a_matrix_.format_ = core.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indexes, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        model = core._Highs()
        model.setOptionValue("output_flag", False)
        model.passModel(lp)
        self._columns = np.arange(self.size, dtype=np.int32)
        self._np = np
        return model

    def _optimum(self, variable: int, direction: float) -> tuple[str, float]:
        """("optimal", value of the variable), ("unbounded", inf) or ("failed", nan)."""
        if self._model is not None and self._core is not None:
            costs = self._np.zeros(self.size)
            costs[variable] = direction
            self._model.changeColsCost(self.size, self._columns, costs)
            found = self._run(self._core, direction)
            if found[0] != "failed":
                return found
            # Started from the last solve's basis, HiGHS can end "unknown" (seen when a
            # minimum is followed by the maximum of an unbounded count): read as exact, that
            # would withhold more than needed. Solved again from nothing, then by linprog.
            self._model.clearSolver()
            found = self._run(self._core, direction)
            if found[0] != "failed":
                return found
        return self._linprog(variable, direction)

    def _run(self, core: Any, direction: float) -> tuple[str, float]:
        self._model.run()
        status = self._model.getModelStatus()
        states = core.HighsModelStatus
        if status == states.kOptimal:
            return "optimal", direction * self._model.getInfo().objective_function_value
        if status in (states.kUnbounded, states.kUnboundedOrInfeasible):
            return "unbounded", INFINITY  # the true counts are a solution: not infeasible
        return "failed", float("nan")

    def _linprog(self, variable: int, direction: float) -> tuple[str, float]:
        from scipy.optimize import linprog

        objective = [0.0] * self.size
        objective[variable] = direction
        found = linprog(
            objective,
            A_eq=self.equations,
            b_eq=self.targets,
            bounds=self.bounds,
            method="highs",
        )
        if found.success:
            return "optimal", direction * float(found.fun)
        return ("unbounded", INFINITY) if found.status == 3 else ("failed", float("nan"))

    def least(self, variable: int) -> float | None:
        state, value = self._optimum(variable, 1.0)
        return value if state == "optimal" else None

    def most(self, variable: int) -> float | None:
        """INFINITY where the variable can grow without limit; None if the solver failed."""
        state, value = self._optimum(variable, -1.0)
        return None if state == "failed" else value
