"""The steps of a pipeline: each stage's output folder under the root, the steps it reads, the `_job.json` it would
record (what keys its output to its inputs and settings) and how it runs."""

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from pipeline.readers.documents import DOCUMENT_SUFFIXES
from pipeline.readers.langid import default_lid_model
from pipeline.readers.sources.spec import Source, load_source
from pipeline.readers.warc.crawl_listing import crawl_files
from pipeline.readers.warc.documents import IngestOptions
from pipeline.spark.stage import job_record
from pipeline.stages.dedup import Dedup, run_dedup
from pipeline.stages.ingest import Ingest, run_ingest
from pipeline.stages.ingest_source import IngestSource, run_source_ingest, source_inputs
from pipeline.stages.publish import check_repo_id, publish
from pipeline.stages.report.page import run_report
from pipeline.stages.run.spec import LoadedPipeline, dedup_options
from pipeline.stages.signals.run import Signals, run_signals
from pipeline.stages.subset.plan import SubsetPlan, plan_subset
from pipeline.stages.subset.run import run_subset, subset_job
from pipeline.stages.translate.run import Translate, run_translate, translation_lines
from pipeline.stages.translate.selection import check_columns
from pipeline.storage.inputs import WARC_SUFFIXES, expand_inputs
from pipeline.storage.locations import RetryPolicy
from pipeline.storage.output_dir import OutputDir
from recipes.loader import LoadedRecipe, load_recipe
from translate.qc import load_qc


@dataclass(frozen=True)
class Step:
    """One stage of a pipeline. `job()` is the `_job.json` its run would record (its upstream sealed); None for
    a step that seals no folder of its own (report, publish). `run(spark, overwrite, progress)` returns its books."""

    name: str
    output: str  # its folder (report, publish: the subset's)
    after: tuple[str, ...]  # the steps whose output it reads
    job: Callable[[], dict] | None
    run: Callable[..., dict]


def documents_in(*folders: str) -> list[str]:
    return expand_inputs(list(folders), DOCUMENT_SUFFIXES)


def pipeline_steps(loaded: LoadedPipeline) -> list[Step]:
    """The steps in the order they run: ingest, signals, dedup, then per recipe its subset, report and publish."""
    spec, root = loaded.pipeline, loaded.root
    documents, signals, deduped = (os.path.join(root, name) for name in ("documents", "signals", "dedup"))
    recipes = [load_recipe(loaded.resolve(path)) for path in spec.recipes]
    names = [recipe.recipe.name for recipe in recipes]
    if len(set(names)) != len(names):
        raise loaded.error(("recipes",), f"two recipes are named {next(n for n in names if names.count(n) > 1)}; "
                                         "each subset's folder is named after its recipe")
    for name, repo_id in spec.publish.items():
        if name not in names:
            raise loaded.error(("publish", name), f"no recipe of this pipeline is named {name}; its recipes: "
                                                  f"{', '.join(names)}")
        try:
            check_repo_id(repo_id)
        except ValueError as exc:
            raise loaded.error(("publish", name), str(exc)) from None
    artifacts = spec.signals.artifacts and loaded.resolve(spec.signals.artifacts)
    dedup = dedup_options(spec)
    # on_error reaches every stage that can skip a file: subset is one query over sealed inputs, translate not yet
    if spec.inputs.sources:
        steps = [source_step(loaded, path, documents) for path in spec.inputs.sources]
        read = [step.output for step in steps]
    else:
        steps, read = [warc_step(loaded, documents)], [documents]
    if spec.translate:
        steps.append(translate_step(loaded, partial(documents_in, *read), os.path.join(root, "translated"),
                                    tuple(step.name for step in steps)))
        read = [steps[-1].output]
    steps += [
        Step("signals", signals, (steps[-1].name,) if spec.translate else tuple(step.name for step in steps),
             lambda: job_record(Signals(artifacts), documents_in(*read)),
             lambda spark, overwrite, progress: run_signals(spark, documents_in(*read), signals, artifacts,
                                                            overwrite=overwrite, progress=progress,
                                                            on_error=spec.on_error)),
        Step("dedup", deduped, ("signals",), lambda: job_record(Dedup(dedup), documents_in(signals)),
             lambda spark, overwrite, progress: run_dedup(spark, documents_in(signals), deduped, dedup,
                                                          overwrite=overwrite, progress=progress,
                                                          on_error=spec.on_error)),
    ]
    for recipe in recipes:
        steps.extend(recipe_steps(loaded, recipe, deduped, len(recipes) > 1))
    return steps


def warc_step(loaded: LoadedPipeline, documents: str) -> Step:
    """Ingest of WARC/WET files or of a crawl's."""
    spec = loaded.pipeline
    options = IngestOptions(spec.ingest.extractor, tuple(spec.ingest.languages), spec.ingest.min_chars,
                            limit_records=spec.ingest.limit_records, lid_chars=spec.ingest.lid_chars)
    lid_model = default_lid_model()
    on_missing = spec.on_error
    ingest = Ingest(options, lid_model, RetryPolicy(), skip_unreadable=on_missing == "skip")
    inputs = ingest_inputs(loaded)
    return Step("ingest", documents, (), lambda: job_record(ingest, inputs()),
                lambda spark, overwrite, progress: run_ingest(spark, inputs(), documents, options, lid_model,
                                                              on_missing=on_missing, overwrite=overwrite,
                                                              progress=progress, on_error=spec.on_error))


def source_step(loaded: LoadedPipeline, path: str, documents: str) -> Step:
    """Ingest of a source file into ROOT/documents/NAME (its name:)."""
    spec = loaded.pipeline
    source = pipeline_source(loaded.resolve(path))
    output = os.path.join(documents, source.name)
    lid_model, retry = default_lid_model(), RetryPolicy()
    stage = IngestSource(source, lid_model, spec.ingest.lid_chars, retry, skip_unreadable=spec.on_error == "skip")
    return Step(f"ingest {source.name}", output, (), lambda: job_record(stage, source_inputs(source)),
                lambda spark, overwrite, progress: run_source_ingest(
                    spark, source, source_inputs(source), output, lid_model, spec.ingest.lid_chars, retry,
                    spec.on_error, overwrite, progress, on_error=spec.on_error))


def translate_step(loaded: LoadedPipeline, inputs: Callable[[], list[str]], output: str,
                   after: tuple[str, ...]) -> Step:
    """The documents translated (ROOT/translated) before their signals."""
    section = loaded.pipeline.translate
    model = section.model
    if model and os.path.exists(loaded.resolve(model)):  # a folder beside the file, else a Hub id
        model = loaded.resolve(model)
    qc, selection, lid_model = load_qc(section.qc and loaded.resolve(section.qc)), section.selection(), \
        default_lid_model()
    stage = Translate(section.engine, model, dict(section.options), tuple(section.targets), section.source, selection,
                      qc, lid_model, section.keep_source)

    def run(spark, overwrite: bool, progress: bool) -> dict:
        check_columns(inputs(), selection)
        stats = run_translate(spark, inputs(), output, section.engine, model, dict(section.options),
                              tuple(section.targets), qc, lid_model, section.source, selection, section.keep_source,
                              overwrite, progress)
        for line in translation_lines(stats):
            print(line)
        return stats

    return Step("translate", output, after, lambda: job_record(stage, inputs()), run)


def pipeline_source(path: str) -> Source:
    """A source file as a pipeline reads it: its relative `paths:` against its own folder (an hf_dataset path that
    is no folder there stays a Hub id)."""
    source = load_source(path)
    folder = os.path.dirname(path)

    def resolved(location: str) -> str:
        if "://" in location or os.path.isabs(location):
            return location
        here = os.path.join(folder, location)
        return here if source.reader != "hf_dataset" or os.path.exists(here) else location

    return source.model_copy(update={"paths": [resolved(location) for location in source.paths]})


def ingest_inputs(loaded: LoadedPipeline) -> Callable[[], list[str]]:
    """The files ingest reads, listed when asked (a crawl's listing is fetched once)."""
    found: list[list[str]] = []
    given = loaded.pipeline.inputs

    def inputs() -> list[str]:
        if not found:
            found.append(crawl_files(given.crawl, "warc", given.segments, given.limit_files) if given.crawl else
                         expand_inputs([loaded.resolve(path) for path in given.files], WARC_SUFFIXES))
        return found[0]
    return inputs


def recipe_steps(loaded: LoadedPipeline, recipe: LoadedRecipe, deduped: str, several: bool) -> list[Step]:
    """A recipe's subset of the deduplicated documents (ROOT/subset, or ROOT/subset/NAME when the pipeline has
    several recipes), its report and its upload."""
    name = recipe.recipe.name
    output = os.path.join(loaded.root, "subset", name) if several else os.path.join(loaded.root, "subset")
    suffix = f" {name}" if several else ""

    def plan() -> SubsetPlan:
        # the card shows the recipe as run with its paths as the pipeline file has them, not this machine's folders
        here = os.path.dirname(os.path.abspath(loaded.path))
        return replace(plan_subset(recipe, output, [deduped]), given_inputs=[os.path.relpath(deduped, here)],
                       given_output=os.path.relpath(output, here))

    steps = [Step(f"subset{suffix}", output, ("dedup",), lambda: subset_job(plan()),
                  lambda spark, overwrite, progress: run_subset(spark, plan(), overwrite, progress))]
    if loaded.pipeline.report:
        steps.append(Step(f"report{suffix}", output, (f"subset{suffix}",), None,
                          lambda spark, overwrite, progress: report_books(spark, output, progress)))
    repo_id = loaded.pipeline.publish.get(name)
    if repo_id:
        steps.append(Step(f"publish{suffix}", output, (steps[-1].name,), None,
                          lambda spark, overwrite, progress: {"read": subset_kept(output), "kept": None,
                                                              "published": publish(output, repo_id)}))
    return steps


def subset_kept(output: str) -> int:
    return OutputDir(output).read_json("_stats.json")["kept"]


def report_books(spark, output: str, progress: bool) -> dict:
    """The report drawn; its books for the run's table: the subset's documents it read."""
    run_report(spark, output, progress)
    return {"read": subset_kept(output), "kept": None}
