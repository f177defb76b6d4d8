"""Each agreement's data lives in storage accounts of its own, in that agreement's own data resource group."""

from policies.lib import get, get_str, register_of, stack_policy
from policies.stack import (
    DATA_CLASS,
    META_AGREEMENT,
    TAG_AGREEMENT,
    TAG_DATA_CLASS,
    Undecided,
    collect,
    container_name,
    controller_of_container,
    controllers,
    data_group_agreement,
    key,
    label_of,
    register_agreements,
    single_agreement,
)

CLAUSES = "[OUS-3, ECG-6]"


def _group_problem(account, group_tags) -> str | None:
    """Why the account's resource group is not its agreement's data resource group, if it is not."""
    agreement, group = account.agreement, account.resource_group
    tags = group_tags.get(key(group) or "")
    if tags is None:
        # A group outside the plan: only its name can say what it is (modules/naming.py).
        if data_group_agreement(group) != agreement:
            return (f"resource group '{group}' is not in the plan and is not named as the {agreement} data group "
                    f"(rg-<prefix>-{agreement.lower()}-data)")
        return None
    if get(tags, TAG_AGREEMENT) != agreement or get(tags, TAG_DATA_CLASS) != DATA_CLASS[agreement]:
        return (f"resource group '{group}' is not the {agreement} data group (its tags are "
                f"{TAG_AGREEMENT}={get(tags, TAG_AGREEMENT)!r}, {TAG_DATA_CLASS}={get(tags, TAG_DATA_CLASS)!r})")
    return None


def validate(args, report_violation) -> None:
    register = register_of(args)
    served = register_agreements(register)
    entries = controllers(register)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    for account in stores.accounts:
        props = account.resource.props
        with undecided.about(account.label):
            tag = get(props, "tags", TAG_AGREEMENT)
            agreement = single_agreement(tag)
            if agreement is None:
                report_violation(
                    f"{CLAUSES} {account.label} is not dedicated to one agreement ({TAG_AGREEMENT} tag is "
                    f"{tag!r}): give each agreement's data an account of its own, tagged {TAG_AGREEMENT}=OUS or ECG",
                    account.resource.urn,
                )
                continue
            if agreement not in served:
                report_violation(
                    f"{CLAUSES} {account.label} holds {agreement} data but the stack serves {served}: remove it or "
                    "add the agreement to dpa-guard:agreements",
                    account.resource.urn,
                )
            problem = _group_problem(account, stores.group_tags) if account.resource_group else \
                "it names no resource group"
            if problem:
                report_violation(
                    f"{CLAUSES} {account.label} holds {agreement} data outside its dedicated data resource group: "
                    f"{problem}; put it in rg-<prefix>-{agreement.lower()}-data, tagged {TAG_AGREEMENT}={agreement} "
                    f"and {TAG_DATA_CLASS}={DATA_CLASS[agreement]}",
                    account.resource.urn,
                )
        for container in stores.children_of(account, stores.containers, undecided):
            label = label_of(container)
            with undecided.about(label):
                if account.agreement is None or single_agreement(get(props, "tags", TAG_AGREEMENT)) is None:
                    continue
                meta = get_str(container.props, "metadata", META_AGREEMENT)
                controller = controller_of_container(container)
                owner = get_str(entries, controller, "agreement") if controller else None
                wrong = [f"{META_AGREEMENT} metadata says {meta}"] if meta is not None and meta != account.agreement else []
                if owner is not None and owner != account.agreement:
                    wrong.append(f"its controller '{controller}' signed {owner}")
                if wrong:
                    report_violation(
                        f"{CLAUSES} {label} ('{container_name(container)}') mixes agreements in {account.agreement} "
                        f"account '{account.name}' ({'; '.join(wrong)}): keep each agreement's data in its own account",
                        container.urn,
                    )
    undecided.finish()


POLICY = stack_policy(
    name="governance-dedicated-store",
    clauses=("OUS-3", "ECG-6"),
    area="governance",
    description="Every storage account is tagged for exactly one agreement the stack serves, sits in that agreement's "
    "data resource group (tagged with the agreement and its data class, or named rg-<prefix>-<agreement>-data when "
    "outside the plan), and holds only containers of that agreement's controllers.",
    remediation="One NorwayStorage component per agreement (modules/storage.py): its own resource group and account(s), "
    "tagged dpaguard-agreement and dpaguard-data-class, with only that agreement's controllers' containers.",
    validate=validate,
    uses_register=True,
)
