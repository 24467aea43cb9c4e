from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "joinedup.demo"
    label = "demo"

    def ready(self) -> None:
        from joinedup.demo.truth import labelled_pairs
        from joinedup.linkage.evaluation import register_labels

        # A new linkage model is compared with the one in use on the generator's truth too.
        register_labels("The demo's ground truth (invented children and their families)", labelled_pairs)
