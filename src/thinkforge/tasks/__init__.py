"""The task registry: every benchmark and problem source as a short spec, loaded offline into Problems.

>>> from thinkforge.tasks import get_task, render_messages
>>> problems = get_task("aime24").load(limit=2)
>>> messages = render_messages(problems[0], system_prompt="sky_t1")
"""

from thinkforge.tasks.io import data_dir
from thinkforge.tasks.prompts import (
    SYSTEM_PROMPT_NAMES,
    TEMPLATES,
    RenderedPrompt,
    render,
    render_messages,
    system_prompt_text,
    template_hash,
)
from thinkforge.tasks.registry import get_task, list_tasks, register
from thinkforge.tasks.spec import HubSource, TaskSpec, UnknownProblemError, clear_cache, resolve_id
from thinkforge.tasks.user import UserTaskConfig, task_from_mapping, task_from_yaml

__all__ = [
    "SYSTEM_PROMPT_NAMES",
    "TEMPLATES",
    "HubSource",
    "RenderedPrompt",
    "TaskSpec",
    "UnknownProblemError",
    "UserTaskConfig",
    "clear_cache",
    "data_dir",
    "get_task",
    "list_tasks",
    "register",
    "render",
    "render_messages",
    "resolve_id",
    "system_prompt_text",
    "task_from_mapping",
    "task_from_yaml",
    "template_hash",
]
