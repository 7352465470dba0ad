//! PyO3 binding (feature `python`): the only code that names pyo3.
