"""What an audit found: the disagreements, each naming its stage output and file, and notes on what it could not
check."""

from dataclasses import dataclass, field

from pipeline.storage.locations import shown_path
from pipeline.storage.stage_outputs import StageOutput

FAILED = 2  # the exit status of a failed audit, as of any command that failed


@dataclass(frozen=True)
class Problem:
    stage: str
    output: str
    file: str  # the file that disagrees (a name inside the output, or an input's location)
    message: str

    def __str__(self) -> str:
        return f"{self.stage} {shown_path(self.output)}: {self.file}: {self.message}"


@dataclass
class AuditReport:
    root: str
    outputs: list[str] = field(default_factory=list)  # one line per output: its stage, folder and books
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, output: StageOutput, file: str, message: str) -> None:
        self.problems.append(Problem(output.stage, output.path, file, message))

    @property
    def passed(self) -> bool:
        return bool(self.outputs) and not self.problems

    @property
    def exit_status(self) -> int:
        return 0 if self.passed else FAILED

    def __str__(self) -> str:
        lines = [f"audit of {shown_path(self.root)}: {len(self.outputs)} stage outputs"]
        lines += [f"  {line}" for line in self.outputs]
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"FAIL {problem}" for problem in self.problems]
        if not self.outputs:
            lines.append("FAIL no stage output (no folder with a _job.json) under it")
        verdict = "passed" if self.passed else f"failed: {len(self.problems) or 1} disagreement(s)"
        lines.append(f"audit {verdict}")
        return "\n".join(lines)
