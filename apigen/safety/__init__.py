"""Untrusted input, handled so that hostile input is a clean one-line error.

Everything a user or a model hands apigen that could exhaust the machine, run code
or corrupt a terminal passes through this package, and only through it:

- **Data files** (:func:`load_data_file`, :func:`load_json_text`): the one YAML/JSON
  loader for config files, blueprint files and collect inputs. It reads at most
  :data:`MAX_FILE_BYTES`, refuses binary (non UTF-8) text, and walks the YAML event
  stream *iteratively* before anything is built: nesting deeper than
  :data:`MAX_DEPTH` and alias expansion past :data:`MAX_NODES` nodes (a "billion
  laughs" file) are refused before any recursive code runs. JSON text gets the same
  depth check by an iterative scan. Failures raise :class:`InputRejected` (a
  ``ValueError``); callers turn it into their own user error naming the file.
- **Bounds** (:data:`MAX_ITEMS`, :data:`MAX_SEED`, :func:`check_json_size`): upper
  limits for counts, seeds and free-JSON settings, checked before a run row is written.
- **Templates** (:func:`sandboxed_environment`): the one Jinja environment factory for
  every template apigen renders (phase-1 prompts, chat templates). It is an
  ``ImmutableSandboxedEnvironment`` (no attribute or method reaches Python internals,
  no mutation of passed data) with limits on loop iterations, ``range`` length,
  recursion depth and output size; :func:`render` raises :class:`TemplateRejected`
  with one line for any template failure (a hostile template included).
- **Terminal text** (:func:`printable`): control and escape sequences shown escaped
  (``\\x1b``, ``\\x07``, ...) so stored model text cannot clear the screen, set the
  window title or plant hyperlinks. JSON output is not passed through it.
- **Outputs** (:func:`check_output`): an output path is refused before any work
  when it exists (unless ``force``), names a directory, or sits in a missing or
  unwritable directory.
"""

from apigen.safety._bounds import (
    MAX_COUNT,
    MAX_FREE_JSON_BYTES,
    MAX_ITEMS,
    MAX_SEED,
    check_json_size,
)
from apigen.safety._load import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    InputRejected,
    load_data_file,
    load_json_text,
)
from apigen.safety._output import check_output
from apigen.safety._templates import (
    TemplateLimits,
    TemplateRejected,
    compile_template,
    render,
    sandboxed_environment,
)
from apigen.safety._text import printable

__all__ = [
    "MAX_COUNT",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_FREE_JSON_BYTES",
    "MAX_ITEMS",
    "MAX_NODES",
    "MAX_SEED",
    "InputRejected",
    "TemplateLimits",
    "TemplateRejected",
    "check_json_size",
    "check_output",
    "compile_template",
    "load_data_file",
    "load_json_text",
    "printable",
    "render",
    "sandboxed_environment",
]
