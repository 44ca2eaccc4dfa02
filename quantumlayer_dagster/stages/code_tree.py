"""Stage 5: code generation. Our code renders every module from its planned interface and the
model writes only function bodies (the generation engine, ``generation.fill_bodies``), each
judged by its planned examples in the sandbox and by semantic validation's blocking checks on
the tree, and sent back with what failed, bounded by the request's repair attempts.

A Python project: ``generation.python_project`` (with mypy's errors as blocking findings too
when type findings block, ``types="block"``: one mypy run per check, sharing one cache for
the stage). A Node project (TypeScript or JavaScript): ``generation.node_project``, with
``package.json`` and ``tsconfig.json`` written from the plan, and ``tsc --noEmit`` among the
checks of a TypeScript module. The tree keeps the planned order.
"""

from collections.abc import Callable

from quantumlayer_dagster.analysis.node_tools import NodeToolMissing, node_tool
from quantumlayer_dagster.analysis.type_check import TypeCheck, type_checker
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.generation.node_project import write_node_project
from quantumlayer_dagster.generation.python_project import write_python_project
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError
from quantumlayer_dagster.sandbox import CodeSandbox

STAGE = "code_tree"

Progress = Callable[[str], None]


def generate_code(
    structure: ProjectStructure,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    progress: Progress | None = None,
    types: TypeCheck = "warn",
) -> CodeTree:
    """Generate every planned file: modules rendered from the planned interfaces with the
    bodies the model wrote, judged by their examples in ``sandbox``; package markers and
    config files ours. With ``types="block"`` mypy's errors are blocking findings of a
    Python module too. LLMStageError carries every call of the stage."""
    options = structure.brief.options
    if options.language == "python":
        if types != "block":
            return _tree(
                structure, *write_python_project(structure, llm, sandbox, progress=progress)
            )
        with type_checker() as mypy:
            return _tree(
                structure,
                *write_python_project(structure, llm, sandbox, progress=progress, mypy=mypy),
            )
    if options.language == "typescript":
        try:
            node_tool("tsc")  # every check needs it: fail before paying for any reply
        except NodeToolMissing as exc:
            raise LLMStageError(STAGE, f"TypeScript cannot be checked: {exc}") from None
    return _tree(structure, *write_node_project(structure, llm, sandbox, progress=progress))


def _tree(
    structure: ProjectStructure,
    files: dict[str, str],
    bodies: list[FunctionBody],
    calls: list[LLMCall],
) -> CodeTree:
    return CodeTree(
        package=structure.package,
        files=[SourceFile(path=f.path, content=files[f.path]) for f in structure.files],
        bodies=bodies,
        llm=LLMUsage(calls=calls),
    )
