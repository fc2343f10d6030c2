"""The whole recipe in one run: curate → train → evaluate before and after → compare and verdict."""

from thinkforge.pipeline.config import RecipeConfig, load_recipe
from thinkforge.pipeline.stage import RunSummary, run_recipe

__all__ = ["RecipeConfig", "RunSummary", "load_recipe", "run_recipe"]
