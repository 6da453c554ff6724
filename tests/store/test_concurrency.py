"""Several workers share one database: concurrent opens and writes neither fail nor duplicate."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from apigen.store import ItemResult, Store
from tests.store.conversations import blueprint, trajectory


def test_concurrent_first_open_migrates_once(db_url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store.open(db_url), range(4)))
    with stores[0].engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    for s in stores:
        s.close()


def test_concurrent_writers(db_url: str) -> None:
    with Store.open(db_url) as setup:
        setup.start_run({}, domain="toy", run_id="r1", planned_items=40)

    def worker(w: int) -> None:
        with Store.open(db_url) as store:  # one store per worker, like separate processes
            for k in range(w, 40, 4):
                item = ItemResult(
                    run_id="r1",
                    item_index=k,
                    blueprints=(blueprint(f"b{k}"),),
                    trajectories=(trajectory(key=f"b{k}"),),
                )
                store.write_items([item])
                store.write_items([item])  # a retry of the same item

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(worker, range(4)))
    with Store.open(db_url) as store:
        run = store.get_run("r1")
        assert (run.items_done, run.trajectories) == (40, 40)
        assert store.missing_items("r1") == []


def test_racing_writes_of_the_same_item(db_url: str) -> None:
    with Store.open(db_url) as setup:
        setup.start_run({}, domain="toy", run_id="r1", planned_items=3)

    def worker(w: int) -> None:
        with Store.open(db_url) as store:
            for _ in range(10):
                store.write_items(
                    [
                        ItemResult(run_id="r1", item_index=k, trajectories=(trajectory(trial=w),))
                        for k in range(3)
                    ]
                )

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(worker, range(3)))
    with Store.open(db_url) as store:
        assert store.get_run("r1").trajectories == 3
