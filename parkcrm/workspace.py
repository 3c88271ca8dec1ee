"""THE workspace resolution: which rules, templates, history store and folders a command uses.

Every command asks here, and nothing else looks for parkcrm.yaml. Each item is decided the
same way, the first that applies wins (as git, hatch and sqlfluff find their configuration):

  1. an explicit option (--config, --rules, --templates, --db);
  2. an environment variable (PARKCRM_CONFIG, PARKCRM_RULES, PARKCRM_TEMPLATES, PARKCRM_DB);
  3. the nearest parkcrm.yaml walking up from the current folder (failing that, from the
     data the command was given), and what it names or keeps beside it;
  4. the built-in defaults (the rule pack and templates shipped with parkcrm, no store).

The Workspace says where each item came from (`origins`), in Chinese, so a command can show
it on a terminal (`line()`) and record it in its outputs (`as_dict()`).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.park import DEFAULT_PARK, park_code_problem

if TYPE_CHECKING:
    from parkcrm.core.periods import Month
    from parkcrm.rules import RulePack
    from parkcrm.store import Store
    from parkcrm.store.engine import Target

PROJECT_FILE = "parkcrm.yaml"
DB_FILE = "parkcrm.db"
RULES_FOLDER, TEMPLATES_FOLDER = "rules", "templates"
ENV_CONFIG, ENV_RULES, ENV_TEMPLATES, ENV_DB = "PARKCRM_CONFIG", "PARKCRM_RULES", "PARKCRM_TEMPLATES", "PARKCRM_DB"
ENV_PARK = "PARKCRM_PARK"
EXAMPLE_PARK_CODE = "XX县-XX园区"  # the example init writes: a shared store refuses it
BUILTIN_RULES, BUILTIN_TEMPLATES = "内置规则包", "内置模板"
PROJECT_KEYS = ("规则", "模板", "数据目录", "文件", "输出目录", "园区名称", "园区代码", "10000名单目录")
# items of the resolution, in the order they are shown: key -> Chinese label
ITEMS = {"project": "项目文件", "park": "园区", "rules": "规则目录", "templates": "模板目录", "store": "历史库",
         "data": "数据目录", "archive": "输出目录"}


class ProjectFileError(ParkcrmError):
    """parkcrm.yaml cannot be read or names a folder that does not exist."""


# ---- the project file ----------------------------------------------------------------------

@dataclass
class Project:
    """What parkcrm.yaml says, with folders made absolute (relative ones are beside the file)."""

    path: Path
    data_dir: Path | None  # None: the file names none (fine for commands given their workbooks)
    patterns: list[str]
    output_dir: Path | None
    park: str
    rules_dir: Path | None
    templates_dir: Path | None = None
    # where `run` writes the 10000 priority list (full numbers): never the shared output folder
    hotline_dir: Path | None = None
    park_code: str = ""  # 园区代码: the park's key in a store shared by many parks

    def month_dir(self, year: int, month: int) -> Path | None:
        return month_folder(self.data_dir, year, month) if self.data_dir is not None else None

    def files(self, folder: Path) -> list[Path]:
        from parkcrm.io.reader import expand_paths

        found = expand_paths([folder])
        if not self.patterns:
            return found
        return [f for f in found if any(fnmatch.fnmatch(f.name, p) or fnmatch.fnmatch(f.stem, p) for p in self.patterns)]

    def require_data_dir(self) -> "Project":
        """The project, when its data folder exists (report and run read from it)."""
        if self.data_dir is None:
            raise ProjectFileError(f"{self.path}: 缺少「数据目录」（每月数据所在的文件夹）")
        if not self.data_dir.is_dir():
            raise ProjectFileError(f"{self.path}: 数据目录 {self.data_dir} 不存在")
        return self


def month_folder(base: Path, year: int, month: int) -> Path | None:
    """The folder of a month in a data folder: 2026-11, 2026年11月, 2026年1月 or 202611."""
    for name in (f"{year}-{month:02d}", f"{year}年{month:02d}月", f"{year}年{month}月", f"{year}{month:02d}"):
        p = base / name
        if p.is_dir():
            return p
    return None


def load_project(path: Path | str, *, require_data: bool = True) -> Project:
    """Read and check parkcrm.yaml; every folder it names is made absolute."""
    from parkcrm.rules.yamlfile import load_yaml

    path = Path(path).absolute()
    if not path.is_file():
        raise ProjectFileError(f"找不到项目文件 {path}（可用 parkcrm init 生成）")
    doc, problems = load_yaml(path)
    if problems or doc is None:
        raise ProjectFileError(f"项目文件 {path} 有误：\n" + "\n".join(f"  - {p}" for p in problems))
    data = doc.data or {}
    if not isinstance(data, dict):
        raise ProjectFileError(f"{path.name}: 应为键值表（例如 数据目录: 数据）")
    unknown = [k for k in data if k not in PROJECT_KEYS]
    if unknown:
        raise ProjectFileError(f"{doc.where((unknown[0],))}: 未知的键「{unknown[0]}」，可用的键：{'、'.join(sorted(PROJECT_KEYS))}")
    base = path.parent

    def folder(key: str, required: bool = False) -> Path | None:
        value = data.get(key)
        if value in (None, ""):
            if required:
                raise ProjectFileError(f"{path.name}: 缺少「{key}」（每月数据所在的文件夹）")
            return None
        if not isinstance(value, str):
            raise ProjectFileError(f"{doc.where((key,))}: 「{key}」应为文件夹路径，实际是 {value!r}")
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p

    data_dir = folder("数据目录", require_data)
    if require_data and not data_dir.is_dir():
        raise ProjectFileError(f"{doc.where(('数据目录',))}: 数据目录 {data_dir} 不存在")
    for key in ("规则", "模板"):
        named = folder(key)
        if named is not None and not named.is_dir():
            raise ProjectFileError(f"{doc.where((key,))}: {key}目录 {named} 不存在")
    files = data.get("文件") or {}
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ProjectFileError(f"{doc.where(('文件',))}: 「文件」应为 类型: 文件名模式 的键值表，例如 客户资料: \"*客户资料*\"")
    patterns = [v if any(ch in v for ch in "*?[.") else f"*{v}*" for v in files.values()]
    patterns = [p if "." in p else p + ".*" for p in patterns]
    park = data.get("园区名称") or ""
    code = data.get("园区代码")
    if code not in (None, ""):
        problem = park_code_problem(str(code))
        if problem:
            raise ProjectFileError(f"{doc.where(('园区代码',))}: {problem}")
    return Project(path, data_dir, patterns, folder("输出目录"), str(park), folder("规则"), folder("模板"),
                   folder("10000名单目录"), str(code or "").strip())


def find_project_file(start: Path | None = None) -> Path | None:
    """The nearest parkcrm.yaml at or above start (default: the current folder)."""
    here = Path(start or Path.cwd()).absolute()
    if here.is_file() or (not here.exists() and here.suffix):
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


# ---- the resolution ------------------------------------------------------------------------

@dataclass(frozen=True)
class Workspace:
    project_file: Path | None
    root: Path | None  # the folder of the project file
    rules_dir: Path
    templates_dir: Path | None  # None: the built-in templates
    store_url: str | None = field(repr=False)  # None: no store unless …; repr=False: it may hold a password
    data_dir: Path | None
    archive_dir: Path | None
    park: str  # 园区名称, for titles
    patterns: list[str]
    origins: dict[str, str]
    project: Project | None = None
    cwd: Path = field(default_factory=Path.cwd)
    park_code: str = ""  # the park's key in the store; "" = the default park of a one-park store
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def builtin_rules(self) -> bool:
        return self.origins.get("rules") == BUILTIN_RULES

    def rules(self) -> "RulePack":
        """The rule pack, loaded and checked once."""
        if "rules" not in self._cache:
            from parkcrm.rules import load_rules

            self._cache["rules"] = load_rules(self.rules_dir)
        return self._cache["rules"]

    def require_project(self) -> Project:
        """The project, for commands that read its data folder (report without data, run)."""
        if self.project is None:
            raise ProjectFileError("找不到项目文件 parkcrm.yaml：请在项目文件夹（或其子文件夹）中运行，或用 --config 指定"
                                   "（parkcrm init 可生成）")
        return self.project.require_data_dir()

    # ---- the history store ----

    def store_target(self) -> "Target":
        """Where the store is or would be created: the resolved one, else parkcrm.db in the current folder."""
        from parkcrm.store.engine import resolve_target

        return resolve_target(self.store_url, self.root or self.cwd)

    def store_exists(self) -> bool:
        target = self.store_target()
        return not target.is_sqlite or target.path is None or target.path.is_file()

    def open_store(self, *, must_exist: bool = False, busy_seconds: float = 60, every_park: bool = False) -> "Store":
        """Open (create, upgrade) the store; a command that writes history uses this. every_park: for the
        city roll-up, which reads all parks (parkcrm.store.city) and so needs no park code of its own."""
        from parkcrm.store import open_store

        if not self.store_target().is_sqlite and not every_park:
            self.require_park_code()
        return open_store(self.store_url, self.root or self.cwd, must_exist=must_exist, busy_seconds=busy_seconds,
                          park=self.park_code or DEFAULT_PARK, park_name=self.park or None)

    def require_park_code(self) -> str:
        """The park code, which a shared (PostgreSQL) store needs: without one, two parks would write
        over each other's months."""
        if not self.park_code or self.park_code == EXAMPLE_PARK_CODE:
            where = f"在 {self.project_file} 中" if self.project_file else "在项目文件 parkcrm.yaml 中"
            now = "仍是示例值" if self.park_code else "没有写"
            raise ProjectFileError(
                f"PostgreSQL 历史库可由多个园区共用，需要知道本园区是哪一个：「园区代码」{now}。请{where}写"
                f"「园区代码: 县名-园区名」（例如 东坡县-高新园，各园区不同、以后不要再改），或设置环境变量 {ENV_PARK}")
        return self.park_code

    def find_store(self, busy_seconds: float = 60, every_park: bool = False) -> "Store | None":
        """The store a reading command uses: one named by option or environment (it must exist),
        else the project's parkcrm.db when it exists; None means the workbooks alone."""
        if self.origins.get("store", "").startswith(("命令行", "环境变量")):
            return self.open_store(must_exist=True, busy_seconds=busy_seconds, every_park=every_park)
        if self.store_url is not None and self.store_exists():
            return self.open_store(busy_seconds=busy_seconds, every_park=every_park)
        return None

    def sampling_history(self, data_folder: Path | str | None, store: "Store | None" = None, file: Path | None = None):
        """Where the supervisor's sampling history lives (parkcrm.store.sampling.choose_history): an
        explicit file; else the store in use (with the JSON file for earlier weeks); else the JSON file. In a
        project that file sits beside parkcrm.yaml, so every month's folder shares one rotation; outside a
        project, beside the data."""
        from parkcrm.store.sampling import choose_history

        return choose_history(self.root if self.root is not None else data_folder, store, file)

    # ---- telling the user ----

    def shown(self, item: str) -> str:
        """The value of one item as the user reads it."""
        if item == "park":
            return self.park_shown()
        value: Any = {"project": self.project_file, "rules": self.rules_dir, "templates": self.templates_dir,
                      "store": self.store_url, "data": self.data_dir, "archive": self.archive_dir}[item]
        if item == "rules" and self.builtin_rules:
            return f"{BUILTIN_RULES}（{self.rules_dir}）"
        if item == "templates" and value is None:
            return BUILTIN_TEMPLATES
        if item == "store" and value is not None:
            return self._store_shown(short=False)
        return "无" if value is None else str(value)

    def park_shown(self) -> str:
        code = self.park_code or DEFAULT_PARK
        return f"{self.park}（代码 {code}）" if self.park else code

    def _store_shown(self, short: bool) -> str:
        """The store as the user reads it (never its password); parkcrm.db alone when beside the project file."""
        from parkcrm.store.engine import StoreError, mask_url_text

        try:
            target = self.store_target()
        except StoreError:
            return mask_url_text(self.store_url or "") + "（地址无效）"
        beside = target.path is not None and self.root is not None and target.path.parent == self.root.absolute()
        shown = target.path.name if short and beside else target.shown
        return shown + ("" if self.store_exists() else "（尚未建立）")

    def short(self, path: Path) -> str:
        """A folder inside the project as 「项目 rules/」, others as they are."""
        if self.root is not None:
            try:
                return f"项目 {path.relative_to(self.root).as_posix()}/"
            except ValueError:
                pass
        return str(path)

    def line(self) -> str:
        """One line for the terminal: project, rules, store (and how each was chosen when not by the project)."""
        head = f"项目 {self.root}（{self.project_file.name}）" if self.project_file else "不在项目中"
        rules = BUILTIN_RULES if self.builtin_rules else self.short(self.rules_dir)
        if self.origins["rules"].startswith(("命令行", "环境变量")):
            rules += f"（{self.origins['rules']}）"
        store = "无" if self.store_url is None else self._store_shown(short=True)
        park = f" · 园区：{self.park_code}" if self.park_code else ""
        return f"{head}{park} · 规则：{rules} · 历史库：{store}"

    def rows(self) -> list[tuple[str, str, str]]:
        """(item, value, where it came from) for `parkcrm info` and the 说明 sheet."""
        return [(label, self.shown(key), self.origins.get(key, "")) for key, label in ITEMS.items()]

    def as_dict(self) -> dict:
        """For JSON outputs and run summaries: {item: {"值": …, "来源": …}}."""
        return {label: {"值": value, "来源": origin} for label, value, origin in self.rows()}

    def about(self) -> list[dict[str, str]]:
        """For the 说明 entry of an output: one {item: "value（where from）"} per item."""
        return [{label: f"{value}（{origin}）" if origin and origin != value else value}
                for label, value, origin in self.rows()]


def resolve(*, config: Path | None = None, rules: Path | None = None, templates: Path | None = None,
            db: str | None = None, cwd: Path | None = None, environ: Mapping[str, str] | None = None,
            near: Iterable[Path | str] = ()) -> Workspace:
    """Resolve the workspace: option > environment variable > nearest parkcrm.yaml > built-in.

    near: the data a command was given; a project above it is used when none is found above
    the current folder (so `parkcrm classify D:/园区数据/数据/2026-10/x.xlsx` uses that project).
    """
    env = os.environ if environ is None else environ
    here = Path(cwd or Path.cwd()).absolute()
    origins: dict[str, str] = {}

    def env_value(name: str) -> str:
        return (env.get(name) or "").strip()

    # the project file
    project_file: Path | None = None
    if config is not None:
        project_file, origins["project"] = _project_path(Path(config), here), "命令行 --config"
    elif env_value(ENV_CONFIG):
        project_file, origins["project"] = _project_path(Path(env_value(ENV_CONFIG)), here), f"环境变量 {ENV_CONFIG}"
    else:
        project_file = find_project_file(here)
        origins["project"] = "从当前文件夹向上找到" if project_file else "未找到（不在项目中）"
        if project_file is None:
            for start in near:
                start = Path(start)
                project_file = find_project_file(start if start.is_absolute() else here / start)
                if project_file is not None:
                    origins["project"] = "从数据所在文件夹向上找到"
                    break
    project = load_project(project_file, require_data=False) if project_file is not None else None
    root = project_file.parent if project_file is not None else None
    in_project = f"项目文件 {project_file}" if project_file is not None else ""

    def folder(item: str, option: Path | None, env_name: str, named: Path | None, key: str, beside: str):
        if option is not None:
            return _absolute(option, here), f"命令行 --{item}"
        if env_value(env_name):
            return _absolute(Path(env_value(env_name)), here), f"环境变量 {env_name}"
        if named is not None:
            return named, f"{in_project} 的「{key}」"
        if root is not None and (root / beside).is_dir():
            return root / beside, f"项目文件旁的 {beside}/"
        return None, ""

    rules_dir, origins["rules"] = folder("rules", rules, ENV_RULES, project.rules_dir if project else None,
                                         "规则", RULES_FOLDER)
    if rules_dir is None:
        from parkcrm.rules import default_rules_dir

        rules_dir, origins["rules"] = default_rules_dir(), BUILTIN_RULES
    templates_dir, origins["templates"] = folder("templates", templates, ENV_TEMPLATES,
                                                 project.templates_dir if project else None, "模板", TEMPLATES_FOLDER)
    if templates_dir is None:
        origins["templates"] = BUILTIN_TEMPLATES

    # the history store
    if db is not None and db.strip():
        store_url, origins["store"] = db.strip(), "命令行 --db"
    elif env_value(ENV_DB):
        store_url, origins["store"] = env_value(ENV_DB), f"环境变量 {ENV_DB}"
    elif root is not None:
        store_url, origins["store"] = str(root / DB_FILE), f"项目文件旁的 {DB_FILE}"
    else:
        store_url, origins["store"] = None, "无（不在项目中，只用给出的工作簿）"

    if env_value(ENV_PARK):
        park_code, origins["park"] = env_value(ENV_PARK), f"环境变量 {ENV_PARK}"
        problem = park_code_problem(park_code)
        if problem:
            raise ProjectFileError(f"环境变量 {ENV_PARK}：{problem}")
    elif project is not None and project.park_code:
        park_code, origins["park"] = project.park_code, f"{in_project} 的「园区代码」"
    else:
        park_code = ""
        origins["park"] = "默认（项目文件没有写「园区代码」，历史库只供一个园区用）"

    data_dir = project.data_dir if project else None
    origins["data"] = f"{in_project} 的「数据目录」" if project else "无（用命令行给出的文件）"
    if project is not None and project.output_dir is not None:
        archive_dir, origins["archive"] = project.output_dir, f"{in_project} 的「输出目录」"
    elif root is not None:
        archive_dir, origins["archive"] = root / "输出", "默认（项目文件旁的 输出/）"
    else:
        archive_dir, origins["archive"] = None, "无（输出写在输入旁或当前文件夹）"
    return Workspace(project_file, root, rules_dir, templates_dir, store_url, data_dir, archive_dir,
                     project.park if project else "", list(project.patterns) if project else [], origins,
                     project, here, park_code)


def _absolute(path: Path, here: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else here / path


def _project_path(given: Path, here: Path) -> Path:
    """--config / PARKCRM_CONFIG: the project file, or a folder holding one."""
    path = _absolute(given, here)
    if path.is_dir():
        path = path / PROJECT_FILE
    if not path.is_file():
        raise ProjectFileError(f"找不到项目文件 {path}（可用 parkcrm init 生成）")
    return path


# ---- the project's monthly inputs ----------------------------------------------------------

def _wanted(project, path: Path) -> bool:
    """A file matching the project's name patterns (the caller has already skipped non-inputs)."""
    pats = project.patterns
    return not pats or any(fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(path.stem, p) for p in pats)


def project_months(project, archive_root: Path | None = None) -> tuple[dict[Month, list[Path]], list[str]]:
    """The project's workbooks per month: folders named by month (2026-11, 2026年11月), or a month in a
    loose file's name; with notes on what was skipped. `parkcrm run` and every command run without
    inputs in a project read these, so by hand or scheduled the same files are read for a month."""
    from parkcrm.core.periods import Month, month_in
    from parkcrm.io.discover import discover as find_inputs, skip_reason

    months: dict[Month, list[Path]] = {}
    notes = []
    for child in sorted(project.data_dir.iterdir()):
        if archive_root is not None and child.resolve() == Path(archive_root).resolve():
            continue
        if child.is_dir():
            try:
                month = Month.parse(child.name, "文件夹")
            except Exception:  # noqa: BLE001  not a month folder
                notes.append(f"文件夹 {child.name} 不是月份（应为 YYYY-MM），已忽略")
                continue
            inputs = find_inputs([child])  # the same files any command finds in this folder
            notes += [f"{child.name}/{p.name}：{reason}，已跳过" for p, reason in inputs.skipped]
            found = [p for p in inputs.files if _wanted(project, p)]
            if found:
                months.setdefault(month, []).extend(found)
        elif child.is_file() and not child.name.startswith(".") and _wanted(project, child):
            reason = skip_reason(child)
            if reason:
                notes.append(f"{child.name}：{reason}，已跳过")
                continue
            month = month_in(child.stem)
            if month is None:
                notes.append(f"{child.name}：文件名中没有月份，也不在月份文件夹中，已忽略")
            else:
                months.setdefault(month, []).append(child)
    return dict(sorted(months.items())), notes
