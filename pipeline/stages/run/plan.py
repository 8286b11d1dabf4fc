"""The plan of a run: for each step, whether it runs, reruns (its output replaced), resumes or is reused, and why,
from what its output folder's `_job.json` and `_SUCCESS` say against the job it would run now."""

import os
from dataclasses import dataclass

from pipeline.stages.run.steps import Step
from pipeline.storage.output_dir import OutputConflict, OutputDir

RUN, RERUN, RESUME, REUSE = "run", "rerun", "resume", "reuse"


@dataclass(frozen=True)
class Planned:
    step: Step
    action: str  # RUN, RERUN, RESUME or REUSE
    why: str

    @property
    def overwrite(self) -> bool:
        return self.action == RERUN


def plan_run(steps: list[Step]) -> list[Planned]:
    """Each step's action: reused when its sealed output was made by the same job; run again (replacing its
    output) when its settings or inputs differ or a step it reads runs; resumed when unfinished."""
    planned: dict[str, Planned] = {}
    for step in steps:
        moving = [name for name in step.after if planned[name].action != REUSE]
        planned[step.name] = decide(step, moving)
    return list(planned.values())


def decide(step: Step, moving: list[str]) -> Planned:
    """One step's action, given the steps it reads that are not reused."""
    if step.job is None:  # report, publish: made again with their subset, else when missing
        return _follower(step, moving)
    out = OutputDir(step.output)
    previous = out.job()
    if moving:
        if previous is None:
            return Planned(step, RUN, "no output yet")
        return Planned(step, RERUN, f"{' and '.join(moving)} will be made again")
    if previous is None:
        return Planned(step, RUN, "no output yet")
    out.refuse_held()  # another run writing here stops the plan, named
    try:
        out.check_claim(step.job())
    except OutputConflict as exc:
        # the refusal says what differs: "<folder> holds the output of a ... job with other options (...)"
        return Planned(step, RERUN, str(exc).split("; use ")[0].removeprefix(f"{step.output} "))
    if out.complete:
        return Planned(step, REUSE, "complete, made from the same inputs and settings")
    return Planned(step, RESUME, "unfinished: an earlier run stopped; its committed units are kept")


def _follower(step: Step, moving: list[str]) -> Planned:
    if step.name.startswith("publish"):
        if moving:
            return Planned(step, RUN, f"{' and '.join(moving)} will be made again")
        return Planned(step, RUN, "sends what the repository lacks (huggingface_hub skips the files it has)")
    if not os.path.exists(report_page(step)):
        return Planned(step, RUN, "no output yet")
    if moving:
        return Planned(step, RERUN, f"{' and '.join(moving)} will be made again")
    return Planned(step, REUSE, "report.html drawn from this subset")


def report_page(step: Step) -> str:
    return os.path.join(step.output, "report.html")


def plan_text(planned: list[Planned], root: str) -> str:
    """The plan as printed by --dry-run: each step, its action, its folder and why."""
    width = max(len(item.step.name) for item in planned)
    lines = []
    for item in planned:
        where = os.path.relpath(item.step.output, root)
        lines.append(f"  {item.step.name:<{width}}  {item.action:<6}  {where + '/':<12}  {item.why}")
    return "\n".join(lines)
