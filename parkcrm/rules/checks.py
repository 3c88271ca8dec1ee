"""Cross-file consistency checks of a rule pack (each problem with file:line and key path)."""

from __future__ import annotations

from parkcrm.rules.pack import RulePack, _fmt_path


def cross_check(pack: RulePack) -> list[str]:
    problems: list[str] = []

    def bad(attr: str, path: tuple, msg: str) -> None:
        doc = pack.docs.get(attr)
        where = doc.where(path) if doc else attr
        problems.append(f"{where} {_fmt_path(path)}: {msg}")

    order = pack.tiers.order
    known = set(order)
    if len(known) != len(order):
        bad("tiers", ("等级顺序",), "等级顺序中有重复的等级")

    # tiers: known names, ordered high -> low, contiguous half-open bounds
    bands = pack.tiers.bands
    names = [b.name for b in bands]
    for i, b in enumerate(bands):
        if b.name not in known:
            bad("tiers", ("分级", i, "等级"), f"等级「{b.name}」不在等级顺序 {order} 中")
        if b.lower is not None and b.upper is not None and b.lower >= b.upper:
            bad("tiers", ("分级", i), f"{b.name} 的下限 {b.lower:g} 应小于上限 {b.upper:g}")
    if len(set(names)) != len(names):
        bad("tiers", ("分级",), "分级中有重复的等级")
    if bands and bands[0].upper is not None:
        bad("tiers", ("分级", 0, "上限"), f"最高一级 {bands[0].name} 不应设上限（否则高于 {bands[0].upper:g} 的客户无法分级）")
    if bands and bands[-1].lower is not None:
        bad("tiers", ("分级", len(bands) - 1, "下限"),
            f"最低一级 {bands[-1].name} 不应设下限（否则低于 {bands[-1].lower:g} 的客户无法分级）")
    for i in range(len(bands) - 1):
        hi, lo = bands[i], bands[i + 1]
        if hi.lower is None or lo.upper is None:
            bad("tiers", ("分级", i), f"{hi.name} 与 {lo.name} 之间缺少下限/上限")
        elif hi.lower > lo.upper:
            bad("tiers", ("分级", i + 1, "上限"),
                f"{lo.name} 的上限 {lo.upper:g} 与 {hi.name} 的下限 {hi.lower:g} 之间有空档"
                f"（相邻两级首尾相接：把 {lo.name} 的上限也改成 {hi.lower:g}）")
        elif hi.lower < lo.upper:
            bad("tiers", ("分级", i + 1, "上限"),
                f"{lo.name} 的上限 {lo.upper:g} 与 {hi.name} 的下限 {hi.lower:g} 重叠"
                f"（相邻两级首尾相接：把 {lo.name} 的上限也改成 {hi.lower:g}）")
    ranks = [pack.tier_rank.get(n, -1) for n in names]
    if ranks != sorted(ranks):
        bad("tiers", ("分级",), "分级应按等级顺序从高到低排列")
    for i, t in enumerate(pack.tiers.assigned_tiers):
        if t not in known:
            bad("tiers", ("核定保留等级", i), f"等级「{t}」不在等级顺序中")
    for t in pack.tiers.assigned_service_levels:
        if t not in known:
            bad("tiers", ("核定等级服务等级", t), f"等级「{t}」不在等级顺序中")

    # service standards
    svc = pack.service
    for t in svc.standards:
        if t not in known:
            bad("service", ("服务标准", t), f"未知的等级「{t}」（应为 {order} 之一）")
    if svc.a_tier_reference and svc.a_tier_reference not in svc.standards:
        bad("service", ("A类参照等级",), f"「{svc.a_tier_reference}」没有服务标准")
    for i, t in enumerate(svc.care.tiers):
        if t not in known:
            bad("service", ("关怀", "等级", i), f"未知的等级「{t}」")
    visit_kinds = set(pack.columns.vocabularies.get("走访方式", {}))
    for key, kinds in (("驻场方式", svc.counting.onsite_kinds), ("电话方式", svc.counting.phone_kinds)):
        for i, k in enumerate(kinds):
            if visit_kinds and k not in visit_kinds:
                bad("service", ("走访计数", key, i), f"走访方式「{k}」不在 columns.yaml 的走访方式词表中")

    # cards
    c = pack.cards
    roles = set(c.roles)
    cards = set(c.card_order)
    for key, items in (("角色优先级", c.priority), ("酌情角色", c.discretionary)):
        for i, r in enumerate(items):
            if r not in roles:
                bad("cards", (key, i), f"角色「{r}」不在角色列表 {c.roles} 中")
    for g, rng in c.groups.items():
        for k, t in (("从", rng.start), ("到", rng.end)):
            if t not in known:
                bad("cards", ("等级分组", g, k), f"未知的等级「{t}」")
        if rng.start in known and rng.end in known and pack.tier_rank[rng.start] > pack.tier_rank[rng.end]:
            bad("cards", ("等级分组", g), f"「从」{rng.start} 应高于或等于「到」{rng.end}")
    for role, row in c.table.items():
        if role not in roles:
            bad("cards", ("对应卡级", role), f"角色「{role}」不在角色列表中")
        for g, card in row.items():
            if g not in c.groups:
                bad("cards", ("对应卡级", role, g), f"分组「{g}」未在等级分组中定义")
            if card not in cards:
                bad("cards", ("对应卡级", role, g), f"卡级「{card}」不在卡级顺序 {c.card_order} 中")
    for r in c.roles:
        if r not in c.discretionary and r not in c.table:
            bad("cards", ("对应卡级",), f"角色「{r}」既不是酌情角色，也没有对应卡级")
    if c.min_tier not in known:
        bad("cards", ("最低等级",), f"未知的等级「{c.min_tier}」")
    for i, t in enumerate(c.hotline.by_number_tiers):
        if t not in known:
            bad("cards", ("10000优先接入", "按登记号码等级", i), f"未知的等级「{t}」")
    for i, card in enumerate(c.hotline.cards):
        if card not in cards:
            bad("cards", ("10000优先接入", "列入卡级", i), f"卡级「{card}」不在卡级顺序 {c.card_order} 中")
    role_vocab = set(pack.columns.vocabularies.get("关键人角色", {}))
    if role_vocab and role_vocab != roles:
        bad("cards", ("角色",), f"角色 {c.roles} 与 columns.yaml 关键人角色词表 {sorted(role_vocab)} 不一致")
    card_vocab = set(pack.columns.vocabularies.get("卡级", {}))
    if card_vocab and card_vocab != cards:
        bad("cards", ("卡级顺序",), f"卡级 {c.card_order} 与 columns.yaml 卡级词表 {sorted(card_vocab)} 不一致")

    # columns
    cols = pack.columns
    for kind, sk in cols.sheets.items():
        for i, s in enumerate(sk.signature):
            if s not in sk.columns:
                bad("columns", ("工作表", kind, "识别列", i), f"识别列「{s}」不是本表定义的列")
        for name, spec in sk.columns.items():
            if spec.vocabulary and spec.vocabulary not in cols.vocabularies:
                bad("columns", ("工作表", kind, "列", name, "取值"), f"词表「{spec.vocabulary}」未在「取值」中定义")
            if spec.unit and spec.type != "金额":
                bad("columns", ("工作表", kind, "列", name, "默认单位"), "只有金额列可以设置默认单位")
    if "客户资料" not in cols.sheets:
        bad("columns", ("工作表",), "必须定义「客户资料」工作表")

    # validation.yaml: tiers named in the quality targets (check parameters: parkcrm.validate.settings)
    validation = pack.extra.get("validation")
    if validation is not None:
        for i, group in enumerate(validation.quality.accuracy):
            for key, tier in (("从", group.start), ("到", group.end)):
                if tier not in known:
                    bad("validation", ("质量目标", "准确率目标", i, key), f"未知的等级「{tier}」")
            if group.start in known and group.end in known and pack.tier_rank[group.start] > pack.tier_rank[group.end]:
                bad("validation", ("质量目标", "准确率目标", i), f"「从」{group.start} 应高于或等于「到」{group.end}")
        # scopes written in validation.yaml (the built-in defaults are not held against an older columns.yaml)
        for i, scope in enumerate(validation.quality.scopes if "validation" in pack.docs else []):
            where_ = ("质量目标", "完整性字段", i)
            kind = cols.sheets.get(scope.sheet)
            if kind is None:
                bad("validation", (*where_, "表"), f"「{scope.sheet}」不是 columns.yaml 中定义的工作表（{'、'.join(cols.sheets)}）")
                continue
            for j, name in enumerate(scope.fields):
                if name not in kind.columns:
                    bad("validation", (*where_, "字段", j), f"「{name}」不是{scope.sheet}表的列（columns.yaml）")
            if scope.min_tier is not None and scope.min_tier not in known:
                bad("validation", (*where_, "客户等级从"), f"未知的等级「{scope.min_tier}」")
            if scope.types and "类型" not in kind.columns:
                bad("validation", (*where_, "类型"), f"{scope.sheet}表没有「类型」列，不能按类型选行")
    return problems
