# Jupyter server configuration for author mode (npm start -- --author), which serves notebooks/ itself.
# Saving stores no outputs and no execution counts, as the tutorials are committed: after an editing session
# `git status` shows only the edits, and the tests (which reject stored outputs) still pass.


def _strip_outputs(model, **kwargs):
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        # Timing that JupyterLab records when its "record cell timing" setting is on.
        cell.get("metadata", {}).pop("execution", None)


c.FileContentsManager.pre_save_hook = _strip_outputs  # noqa: F821 (c is the config object Jupyter provides)
