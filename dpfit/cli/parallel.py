"""Options shared by the toy commands and scan: executor, workers, toys, seed, progress."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.limits import help_range


def add_executor_options(parser) -> None:
    from dpfit.runtime.executors import JOBS_PER_CPU, max_jobs

    group = parser.add_argument_group("execution")
    group.add_argument("--executor", default="serial", metavar="KIND",
                       help="serial (default), processes, dask (a local cluster) or dask=tcp://HOST:PORT (a running scheduler)")
    group.add_argument("--jobs", type=limits.jobs, default=1, metavar="J",
                       help=f"workers (default 1; at most {JOBS_PER_CPU} per CPU of this machine, {max_jobs()} here)")


def add_construction_options(parser, method: str, cl: str, toys: int) -> None:
    """--method, --cl, --mass, the toy options and the executor options of interval and coverage."""
    parser.add_argument("--method", choices=("fc", "cls", "chi2"), default=method,
                        help=f"Feldman-Cousins, CLs or delta chi2 (default {method})")
    parser.add_argument("--cl", default=cl, help=f"confidence level: probability or Nsigma (default {cl})")
    parser.add_argument("--mass", type=limits.mass, required=True, help=f"mass {help_range(*limits.MASS_MEV, 'MeV')}")
    add_toy_options(parser, toys)
    add_executor_options(parser)


def add_toy_options(parser, toys: int) -> None:
    parser.add_argument("--toys", type=limits.toys, default=toys, metavar="N",
                        help=f"toys, a whole number {help_range(*limits.TOYS)} (default {toys})")
    parser.add_argument("--seed", type=limits.seed, default=1,
                        help=f"random seed {help_range(*limits.SEED)} (same seed, same result on any executor)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def executor_from_args(args):
    """The Executor of --executor and --jobs (bad values: one-line input errors naming the option)."""
    from dpfit.runtime.executors import Executor

    return Executor.parse(args.executor, args.jobs, source="option --executor", jobs_source="option --jobs")


def refuse_eps_range(args) -> None:
    """interval and coverage use every coupling the analysis allows at the mass: --eps-range is refused, not ignored."""
    from dpfit.errors import InputError

    if args.eps_range:
        raise InputError("option --eps-range", None, f"{args.command} uses every coupling the analysis allows at "
                                                     "--mass; it takes no coupling range")
