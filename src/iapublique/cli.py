"""Command-line interface (Typer + rich): services, demo, serve, worker, train, run, evaluate, bench, users."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from iapublique.core.service import ProgressFn, Service, no_progress
from iapublique.format import fr_number
from iapublique.settings import get_settings

app = typer.Typer(
    help="IA Publique : services d'intelligence artificielle pour les administrations.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
users_app = typer.Typer(help="Comptes, rattachements aux administrations et jetons d'API.", no_args_is_help=True)
tokens_app = typer.Typer(help="Jetons d'API des scripts.", no_args_is_help=True)
users_app.add_typer(tokens_app, name="jetons")
app.add_typer(users_app, name="users")

out = Console()
err = Console(stderr=True)

DEMO_EMAIL = "demo@iapublique.local"


class CliError(Exception):
    """An error shown to the user in French, ending the command with exit code 1."""


def fail(message: str) -> typer.Exit:
    """Print a French error and return the exit to raise."""
    err.print(f"[bold red]Erreur :[/] {message}", soft_wrap=True, highlight=False)
    return typer.Exit(code=1)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn known errors into French messages and exit code 1 (never a traceback for user mistakes)."""
    from iapublique.core.artifacts import ArtifactError
    from iapublique.core.registry import UnknownService
    from iapublique.core.tables import TableError

    try:
        yield
    except (TableError, ArtifactError, UnknownService, CliError, ValueError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, UnknownService) and exc.args else str(exc)
        raise fail(message) from None


@contextmanager
def progress_bar(label: str, quiet: bool = False) -> Iterator[ProgressFn]:
    """A rich progress bar wrapped as a service progress callback (on stderr, so stdout stays clean)."""
    if quiet:
        yield no_progress
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None, message="")

        def update(done: int, total: int, message: str = "") -> None:
            bar.update(task, completed=done, total=total or None, message=message)

        yield update


def service_for(service_id: str) -> Service:
    """The registered service, or a French error."""
    from iapublique.core import registry

    with friendly_errors():
        return registry.get(service_id)


def ensure_state() -> None:
    """Create the data directory and bring the database schema up to date."""
    from iapublique.core.store.db import init_db

    settings = get_settings()
    settings.ensure_dirs()
    init_db()


# ---- services ---------------------------------------------------------------------------------


@app.command("services")
def services_cmd(as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON sur stdout.")] = False) -> None:
    """Liste les services enregistrés : identifiant, titre, administration, version."""
    from iapublique.core import registry

    found = registry.services()
    if as_json:
        print(json.dumps([s.info.model_dump() for s in found.values()], ensure_ascii=False, indent=2))
        return
    table = Table(title="Services disponibles")
    for col in ("Identifiant", "Titre", "Administration", "Version"):
        table.add_column(col)
    for s in found.values():
        table.add_row(s.info.id, s.info.title, s.info.administration, s.info.version)
    out.print(table)


# ---- train / run / evaluate / bench -------------------------------------------------------------


@app.command("train")
def train_cmd(
    service_id: Annotated[str, typer.Argument(help="Identifiant du service.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="Fichier d'entraînement (CSV, Parquet, JSONL).")],
    model: Annotated[str, typer.Option("--model", "-m", help="Nom du modèle à enregistrer.")] = "default",
    without_feedback: Annotated[
        bool, typer.Option("--sans-retours", help="N'ajoute pas les retours des agents aux données d'entraînement.")
    ] = False,
) -> None:
    """Entraîne un service sur un fichier (et les retours des agents) ; enregistre le modèle et son manifeste."""
    from iapublique.core import models_registry

    service = service_for(service_id)
    with friendly_errors():
        ensure_state()
        data = read_labelled(service, input)
        with progress_bar(f"Entraînement de {service_id}") as progress:
            stored = models_registry.fit_and_store(
                service, data, model, source=str(input), progress=progress, with_feedback=not without_feedback
            )
    out.print(f"Modèle enregistré : [bold]{stored.version}[/] ({fr_number(len(data))} lignes)")


def read_labelled(service: Service, path: Path) -> Any:
    """Read a training/evaluation file with its ground-truth columns."""
    return service.read_labelled(path)


@app.command("run")
def run_cmd(
    service_id: Annotated[str, typer.Argument(help="Identifiant du service.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="Fichier à traiter (CSV, Parquet, JSONL).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Fichier de résultats (.csv, .parquet, .jsonl).")],
    model: Annotated[str, typer.Option("--model", "-m", help="Nom du modèle à utiliser.")] = "default",
    engine: Annotated[str, typer.Option("--engine", "-e", help="Moteur : local ou spark.")] = "",
) -> None:
    """Traite un fichier par lot ; chaque ligne de résultat porte la version du modèle."""
    from iapublique.core import audit, runner
    from iapublique.core.artifacts import file_hash
    from iapublique.core.store.db import session_scope

    service = service_for(service_id)
    engine_name = engine or get_settings().engine
    if engine_name not in ("local", "spark"):
        raise fail(f"moteur « {engine_name} » inconnu : choisissez « local » ou « spark ».")
    if input.resolve() == output.resolve():
        raise fail("le fichier de sortie doit être différent du fichier d'entrée.")
    with friendly_errors():
        ensure_state()
        started = time.perf_counter()
        with progress_bar(f"Traitement {service_id}") as progress:
            n_rows, version = runner.score_file(
                service, input, output, model_name=model, engine=engine_name, progress=progress
            )
        with session_scope() as s:
            audit.record(
                s, "run", service_id=service_id, input_hash=file_hash(input), model_version=version,
                details={"input": str(input), "output": str(output), "rows": n_rows, "engine": engine_name},
            )
    elapsed = time.perf_counter() - started
    out.print(
        f"{fr_number(n_rows)} lignes traitées en {fr_number(elapsed, 1)} s → {output} (modèle {version})"
    )


@app.command(
    "evaluate",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def evaluate_cmd(
    ctx: typer.Context,
    service_id: Annotated[str, typer.Argument(help="Identifiant du service.")],
    train: Annotated[
        list[Path] | None, typer.Option("--train", help="Fichier(s) d'entraînement (répétable).")
    ] = None,
    test: Annotated[
        Path | None,
        typer.Option("--test", help="Fichier de test (seul : modèle appris sur les données générées du service)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un objet JSON sur stdout.")] = False,
) -> None:
    """Mesure la qualité d'un service : sur ses données de démonstration, sur des fichiers, ou sur un corpus
    public (options propres au service, par exemple --claudette CHEMIN)."""
    service = service_for(service_id)
    extra = parse_extra(ctx.args)
    with friendly_errors(), progress_bar(f"Évaluation de {service_id}", quiet=False) as progress:
        if extra:
            metrics = service.evaluate_with(extra, progress)
        else:
            train_frames = [read_labelled(service, p) for p in (train or [])]
            test_frame = read_labelled(service, test) if test else None
            metrics = service.evaluate_files(train_frames, test_frame, progress)
    if as_json:
        print(json.dumps(metrics, ensure_ascii=False, default=float))
        return
    table = Table(title=f"Qualité de {service_id}")
    table.add_column("Mesure")
    table.add_column("Valeur", justify="right")
    for key, value in metrics.items():
        table.add_row(key, fr_number(value, 4) if isinstance(value, int | float) else str(value))
    out.print(table)


def parse_extra(args: list[str]) -> dict[str, str]:
    """``--key value`` / ``--key=value`` pairs left over by Typer, for service-specific options."""
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise fail(f"argument inattendu : « {arg} ».")
        key, _, value = arg[2:].partition("=")
        if not value:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                raise fail(f"l'option --{key} attend une valeur.")
            value = args[i + 1]
            i += 1
        found[key.replace("-", "_")] = value
        i += 1
    return found


@app.command("bench")
def bench_cmd(
    service_id: Annotated[str, typer.Argument(help="Identifiant du service.")],
    as_json: Annotated[bool, typer.Option("--json", help="Un objet JSON sur stdout.")] = False,
) -> None:
    """Banc d'essai du service : le nôtre face à la référence nommée et au chiffre publié, en une exécution."""
    service = service_for(service_id)
    with friendly_errors(), progress_bar(f"Banc d'essai de {service_id}") as progress:
        report = service.benchmark(progress)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=float))
        return
    print_bench(report)


def print_bench(report: Any) -> None:
    """Print a benchmark report as a rich table (shared with the scripts in benchmarks/)."""
    keys = list(dict.fromkeys(k for row in report.rows for k in row.figures))
    table = Table(title=f"Banc d'essai {report.service} — {report.dataset}")
    table.add_column("Système")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("Note")
    for row in report.rows:
        cells = [row.figures.get(k) for k in keys]
        table.add_row(row.system, *["—" if c is None else fr_number(c, 3) for c in cells], row.note)
    out.print(table)
    for note in report.notes:
        out.print(f"• {note}")


# ---- demo / serve / worker ----------------------------------------------------------------------


@app.command("demo")
def demo_cmd(
    port: Annotated[int, typer.Option("--port", "-p", help="Port d'écoute.")] = 8000,
    prepare_only: Annotated[
        bool, typer.Option("--preparer-seulement", help="Prépare données et modèles puis s'arrête.")
    ] = False,
) -> None:
    """Prépare les données et modèles de démonstration (si absents) puis lance l'application, l'API et un worker."""
    from iapublique.core import registry

    settings = get_settings()
    started = time.perf_counter()
    with friendly_errors():
        ensure_state()
        password = ensure_demo_account()
        prepare_demo(list(registry.services().values()))
    out.print(f"Prêt en {fr_number(time.perf_counter() - started, 1)} s.")
    if prepare_only:
        return
    url = f"http://{settings.host}:{port}/"
    out.print(f"\n[bold]IA Publique[/] : {url}")
    out.print(f"Compte de démonstration : [bold]{DEMO_EMAIL}[/] / mot de passe : [bold]{password}[/]\n", soft_wrap=True)
    worker = subprocess.Popen([sys.executable, "-m", "iapublique", "worker"], env=os.environ.copy())
    try:
        serve(settings.host, port)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def prepare_demo(services: list[Service]) -> None:
    """Train each service's demo model if it is absent, with a progress bar per service."""
    from iapublique.core import models_registry

    for service in services:
        with progress_bar(f"Démonstration {service.info.id}") as progress:
            models_registry.ensure_demo_model(service, progress)


def ensure_demo_account() -> str:
    """Create the demo admin account once; its generated password is kept in the data dir (mode 600)."""
    from iapublique.core import accounts
    from iapublique.core.registry import services
    from iapublique.core.store.db import session_scope

    secret = get_settings().data_dir / "compte-demo.txt"
    with session_scope() as s:
        user = accounts.get_user(s, DEMO_EMAIL)
        if user is not None and secret.exists():
            return secret.read_text(encoding="utf-8").strip()
        password = secrets.token_urlsafe(12)
        if user is None:
            user = accounts.create_user(s, DEMO_EMAIL, password, name="Agent de démonstration", is_admin=True)
        else:
            accounts.set_password(s, user, password)
        for admin in sorted({svc.info.administration for svc in services().values()}):
            if admin not in user.administrations:
                accounts.add_membership(s, user, admin)
    secret.write_text(password + "\n", encoding="utf-8")
    secret.chmod(0o600)
    return password


def serve(host: str, port: int) -> None:
    """Run the web application and API with uvicorn."""
    import uvicorn

    from iapublique.web.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@app.command("serve")
def serve_cmd(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute (IAPUBLIQUE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port d'écoute (IAPUBLIQUE_PORT).")] = None,
) -> None:
    """Serveur de production : application web et API (réglages IAPUBLIQUE_*)."""
    settings = get_settings()
    with friendly_errors():
        ensure_state()
    serve(host or settings.host, port or settings.port)


@app.command("worker")
def worker_cmd() -> None:
    """Exécute les travaux en arrière-plan (file huey) ; reprend ou clôt les travaux interrompus."""
    from iapublique.core import jobs

    with friendly_errors():
        ensure_state()
    jobs.run_worker()


# ---- users --------------------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Adresse électronique (identifiant).")],
    administration: Annotated[
        list[str] | None, typer.Option("--administration", "-a", help="Code d'administration (répétable).")
    ] = None,
    name: Annotated[str, typer.Option("--nom", help="Nom affiché.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Administrateur de la plateforme.")] = False,
    password: Annotated[
        str | None, typer.Option("--mot-de-passe", help="Mot de passe (généré et affiché si absent).")
    ] = None,
) -> None:
    """Crée un compte et le rattache à des administrations."""
    from iapublique.core import accounts
    from iapublique.core.store.db import session_scope

    clear = password or secrets.token_urlsafe(12)
    with friendly_errors():
        ensure_state()
        with session_scope() as s:
            user = accounts.create_user(
                s, email, clear, name=name, administrations=administration or (), is_admin=admin
            )
            admins = ", ".join(sorted(user.administrations)) or "aucune"
    out.print(f"Compte créé : {email} (administrations : {admins})")
    if password is None:
        out.print(f"Mot de passe généré : [bold]{clear}[/]")


@users_app.command("attach")
def users_attach(
    email: Annotated[str, typer.Argument(help="Adresse du compte.")],
    administration: Annotated[str, typer.Argument(help="Code d'administration.")],
    scope: Annotated[
        str, typer.Option("--perimetre", help="Restreint à un périmètre (ex. SIRET d'un employeur).")
    ] = "",
) -> None:
    """Rattache un compte à une administration."""
    from iapublique.core import accounts
    from iapublique.core.store.db import session_scope

    with friendly_errors():
        ensure_state()
        with session_scope() as s:
            accounts.add_membership(s, existing_user(s, email), administration, scope)
    out.print(f"{email} rattaché à {administration}.")


@users_app.command("detach")
def users_detach(
    email: Annotated[str, typer.Argument(help="Adresse du compte.")],
    administration: Annotated[str, typer.Argument(help="Code d'administration.")],
) -> None:
    """Détache un compte d'une administration."""
    from iapublique.core import accounts
    from iapublique.core.store.db import session_scope

    with friendly_errors():
        ensure_state()
        with session_scope() as s:
            accounts.remove_membership(s, existing_user(s, email), administration)
    out.print(f"{email} détaché de {administration}.")


@users_app.command("list")
def users_list() -> None:
    """Liste les comptes et leurs administrations."""
    from iapublique.core import accounts
    from iapublique.core.store.db import session_scope

    with friendly_errors():
        ensure_state()
        table = Table(title="Comptes")
        for col in ("Adresse", "Nom", "Administrations", "Admin"):
            table.add_column(col)
        with session_scope() as s:
            for user in accounts.list_users(s):
                admins = ", ".join(sorted(user.administrations))
                table.add_row(user.email, user.name, admins, "oui" if user.is_admin else "")
    out.print(table)


def existing_user(s: Any, email: str) -> Any:
    """The account with this e-mail, or a French error."""
    from iapublique.core import accounts

    user = accounts.get_user(s, email)
    if user is None:
        raise CliError(f"aucun compte « {email} ».")
    return user


@tokens_app.command("issue")
def tokens_issue(
    email: Annotated[str, typer.Argument(help="Adresse du compte.")],
    label: Annotated[str, typer.Option("--libelle", help="À quoi sert ce jeton.")] = "",
) -> None:
    """Émet un jeton d'API (affiché une seule fois)."""
    from iapublique.core import accounts
    from iapublique.core.store.db import session_scope

    with friendly_errors():
        ensure_state()
        with session_scope() as s:
            token = accounts.issue_token(s, existing_user(s, email), label)
    out.print("Jeton (conservez-le, il ne sera plus affiché) :")
    print(token)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="Numéro du jeton.")]) -> None:
    """Révoque un jeton d'API."""
    from iapublique.core import accounts
    from iapublique.core.store.db import session_scope

    with friendly_errors():
        ensure_state()
        with session_scope() as s:
            accounts.revoke_token(s, token_id)
    out.print(f"Jeton {token_id} révoqué.")


def french_help(command: Any) -> None:
    """Give the help option of a command and of its sub-commands a French text (Click's is English)."""
    option = command.get_help_option(command.context_class(command, info_name=command.name))
    if option is not None:
        option.help = "Affiche cette aide et quitte."
    for sub in getattr(command, "commands", {}).values():
        french_help(sub)


def usage_message(exc: Exception) -> str:
    """A French sentence for a command-line usage error (the parser's own messages are English)."""
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    names = "/".join(getattr(param, "opts", []) or []) or str(getattr(param, "name", "") or "")
    if kind == "MissingParameter":
        return f"paramètre obligatoire manquant : {names}."
    if kind == "NoSuchOption":
        known = sorted(getattr(exc, "possibilities", None) or [])
        hint = f" Vouliez-vous dire {', '.join(known)} ?" if known else ""
        return f"option inconnue : {getattr(exc, 'option_name', '')}.{hint}"
    if kind == "BadParameter":
        return f"valeur invalide pour {names} ({getattr(exc, 'message', exc)})."
    return f"commande incorrecte ({getattr(exc, 'message', exc)})."


def main() -> None:
    """Console entry point: French help panels and French usage errors (exit code 2)."""
    from typer import rich_utils

    rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
    rich_utils.ERRORS_PANEL_TITLE = "Erreur"
    rich_utils.ABORTED_TEXT = "Interrompu."
    rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
    rich_utils.DEFAULT_STRING = "[défaut : {}]"
    command = typer.main.get_command(app)
    french_help(command)
    try:
        code = command.main(prog_name="iapublique", standalone_mode=False)
    except typer.Abort:
        err.print("Interrompu.")
        sys.exit(1)
    except Exception as exc:
        if not hasattr(exc, "format_message") or not hasattr(exc, "exit_code"):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help was printed: nothing to add
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        err.print(f"[bold red]Erreur :[/] {usage_message(exc)}", soft_wrap=True, highlight=False)
        if ctx is not None:
            err.print(f"Aide : {ctx.command_path} --help", highlight=False)
        sys.exit(int(exc.exit_code))
    sys.exit(code if isinstance(code, int) else 0)
