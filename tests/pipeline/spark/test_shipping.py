"""A local folder sent to the executors: what the tasks find under SparkFiles is the folder as the driver sees it."""

import os

from pipeline.spark.shipping import ship_directory


def files_on_executors(spark, name: str) -> dict[str, bytes]:
    def listing(_):
        from pyspark import SparkFiles

        root = SparkFiles.get(name)
        return [(os.path.relpath(os.path.join(folder, file), root), open(os.path.join(folder, file), "rb").read())
                for folder, _, files in os.walk(root) for file in files]

    return dict(spark.sparkContext.parallelize([0], 1).flatMap(listing).collect())


def test_a_folder_with_linked_subfolders_and_an_odd_name_arrives_whole(spark, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "stop_words"
    elsewhere.mkdir(parents=True)
    (elsewhere / "en.txt").write_text("the\nof\n")
    folder = tmp_path / "my árt 100%"
    (folder / "bad_words").mkdir(parents=True)
    (folder / "bad_words" / "en.txt").write_text("badword\n")
    (folder / "stop_words").symlink_to(elsewhere, target_is_directory=True)
    name = ship_directory(spark, str(folder))
    assert files_on_executors(spark, name) == {"bad_words/en.txt": b"badword\n", "stop_words/en.txt": b"the\nof\n"}
    (folder / "bad_words" / "en.txt").write_text("badword\nworse\n")  # a changed folder is a new version
    changed = ship_directory(spark, str(folder))
    assert changed != name and files_on_executors(spark, changed)["bad_words/en.txt"] == b"badword\nworse\n"
    assert ship_directory(spark, str(folder)) == changed  # shipping it again in the same session is a no-op
