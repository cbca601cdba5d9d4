from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "aegis.cases"
    label = "cases"
    verbose_name = "Defenders and cases"

    def ready(self) -> None:
        # A role change (accounts) reaches compartment memberships from here: accounts is
        # below cases.
        from aegis.accounts import hooks

        from . import membership, selectors, services

        membership.connect()

        hooks.register_compartments(
            hooks.Compartments(of=selectors.compartments_of, leave=services.remove_member)
        )
