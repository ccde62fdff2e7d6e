"""Where reporting data lives (stateful): the extracts bucket, the failed stream records bucket,
Athena results, the Glue catalogue and the Athena workgroup.

Object keys, prefixes and columns come from ``tracker.extracts``: the publisher, the snapshot and
these tables share one definition.
"""

from collections.abc import Sequence

from aws_cdk import Duration, Stack, aws_athena, aws_glue, aws_kms, aws_s3
from constructs import Construct

from infra import constants
from infra.constructs.buckets import private_bucket
from tracker.extracts import columns as extract_columns
from tracker.extracts import keys as extract_keys
from tracker.reference import reference_data

JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


def named_query_sql(name: str) -> str:
    """A saved query's SQL, as the DuckDB test runs it."""
    return (constants.ATHENA_QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _glue_columns(columns: Sequence[extract_columns.Column]) -> list[aws_glue.CfnTable.ColumnProperty]:
    return [
        aws_glue.CfnTable.ColumnProperty(name=column.name, type=column.type, comment=column.description[:255])
        for column in columns
    ]


def _csv_columns(columns: Sequence[extract_columns.Column]) -> list[aws_glue.CfnTable.ColumnProperty]:
    # OpenCSVSerde reads every cell as text; typed views belong in Athena, not in the CSV table.
    return [
        aws_glue.CfnTable.ColumnProperty(
            name=column.name, type="string", comment=f"{column.type}: {column.description}"[:255]
        )
        for column in columns
    ]


class ReportingStore(Construct):
    """Buckets, Glue catalogue and Athena workgroup: everything that holds or describes data."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        reporting_key: aws_kms.IKey,
        data_key: aws_kms.IKey,
        access_logs: aws_s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = access_logs
        self.bucket = private_bucket(
            self,
            "Extracts",
            key=reporting_key,
            access_logs=self.access_logs,
            log_prefix="extracts/",
            lifecycle_rules=[
                aws_s3.LifecycleRule(
                    id="OldVersions",
                    noncurrent_version_expiration=constants.NONCURRENT_VERSION_EXPIRY,
                    # A snapshot that failed mid-upload leaves parts holding case data: gone in a day.
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
                aws_s3.LifecycleRule(
                    id="ColdSnapshots",
                    prefix=extract_keys.SNAPSHOTS_PREFIX,
                    transitions=[
                        aws_s3.Transition(
                            storage_class=aws_s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=constants.INFREQUENT_ACCESS_AFTER,
                        )
                    ],
                ),
            ],
        )

        # Stream records that failed every retry: whole records (case images, restricted free text
        # included), so they sit under the data key, apart from the extracts dashboards read.
        self.failed_records = private_bucket(
            self,
            "FailedStreamRecords",
            key=data_key,
            access_logs=self.access_logs,
            log_prefix="failed-stream-records/",
            lifecycle_rules=[
                aws_s3.LifecycleRule(
                    expiration=constants.FAILED_RECORDS_EXPIRY,
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
            # Request metrics on the whole bucket: each PutRequests datapoint is a failed batch.
            metrics=[aws_s3.BucketMetrics(id=constants.FAILED_RECORDS_METRICS_ID)],
        )

        self.athena_results = private_bucket(
            self,
            "AthenaResults",
            key=reporting_key,
            access_logs=self.access_logs,
            log_prefix="athena-results/",
            lifecycle_rules=[
                aws_s3.LifecycleRule(
                    expiration=constants.ATHENA_RESULTS_EXPIRY,
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
        )

        self._catalog()
        self.workgroup = aws_athena.CfnWorkGroup(
            self,
            "Workgroup",
            name=constants.ATHENA_WORKGROUP,
            description="Queries over the Safeguarding Case Review Tracker extracts",
            state="ENABLED",
            work_group_configuration=aws_athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=constants.ATHENA_BYTES_SCANNED_CUTOFF,
                result_configuration=aws_athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=self.athena_results.s3_url_for_object(constants.ATHENA_RESULTS_PREFIX),
                    encryption_configuration=aws_athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=reporting_key.key_arn
                    ),
                ),
            ),
        )

        self._named_queries()

    def _named_queries(self) -> None:
        """The saved queries a dashboard builder starts from (``infra/queries``), in the workgroup."""
        self.named_queries = {}
        for name, description in constants.ATHENA_NAMED_QUERIES.items():
            query = aws_athena.CfnNamedQuery(
                self,
                f"Query-{name}",
                name=description,
                description=f"{description} (infra/queries/{name}.sql)",
                database=constants.GLUE_DATABASE,
                work_group=constants.ATHENA_WORKGROUP,
                query_string=named_query_sql(name),
            )
            query.add_dependency(self.workgroup)
            query.add_dependency(self.database)
            self.named_queries[name] = query

    def _catalog(self) -> None:
        account = Stack.of(self).account
        self.database = aws_glue.CfnDatabase(
            self,
            "Database",
            catalog_id=account,
            database_input=aws_glue.CfnDatabase.DatabaseInputProperty(
                name=constants.GLUE_DATABASE,
                description="Safeguarding Case Review Tracker extracts (restricted free text never included)",
            ),
        )
        reference = reference_data()
        date_partition = {
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": f"{constants.PARTITION_DATE_FROM},NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
        }
        self.tables = {
            constants.GLUE_TABLE_CHANGES: self._table(
                constants.GLUE_TABLE_CHANGES,
                "One row per case version (JSON Lines), partitioned by change date",
                extract_keys.CHANGES_PREFIX,
                _glue_columns(extract_columns.changes_columns()),
                partitions=["dt"],
                projection=date_partition,
                template="dt=${dt}/",
                serde=JSON_SERDE,
            ),
            constants.GLUE_TABLE_CURRENT: self._table(
                constants.GLUE_TABLE_CURRENT,
                "The latest version of every case (JSON Lines), partitioned by region and ICB",
                extract_keys.CURRENT_PREFIX,
                _glue_columns(extract_columns.current_columns()),
                partitions=["region", "icb"],
                projection={
                    "projection.region.type": "enum",
                    "projection.region.values": ",".join(sorted(reference.region_codes)),
                    "projection.icb.type": "enum",
                    "projection.icb.values": ",".join(sorted(reference.icbs)),
                },
                template="region=${region}/icb=${icb}/",
                serde=JSON_SERDE,
            ),
        }
        snapshot_tables = {
            extract_keys.SNAPSHOT_CASES: (
                constants.GLUE_TABLE_SNAPSHOT_CASES,
                extract_columns.snapshot_case_columns(),
            ),
            extract_keys.SNAPSHOT_RECOMMENDATIONS: (
                constants.GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS,
                extract_columns.snapshot_recommendation_columns(),
            ),
            extract_keys.SNAPSHOT_CASE_PROVIDERS: (
                constants.GLUE_TABLE_SNAPSHOT_CASE_PROVIDERS,
                extract_columns.snapshot_case_provider_columns(),
            ),
        }
        # Every table the snapshot writes has its Glue table.
        missing = set(extract_keys.SNAPSHOT_TABLES) - set(snapshot_tables)
        if missing:
            raise ValueError(f"snapshot tables without a Glue table: {sorted(missing)}")
        for folder, (table_name, columns) in snapshot_tables.items():
            self.tables[table_name] = self._table(
                table_name,
                f"Daily snapshot, {folder} (CSV with header)",
                extract_keys.SNAPSHOTS_PREFIX,
                _csv_columns(columns),
                partitions=["dt"],
                projection=date_partition,
                template=f"dt=${{dt}}/{folder}/",
                serde=CSV_SERDE,
                serde_parameters={"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"},
                table_parameters={"skip.header.line.count": "1"},
            )

    def _table(
        self,
        name: str,
        description: str,
        prefix: str,
        columns: list[aws_glue.CfnTable.ColumnProperty],
        *,
        partitions: Sequence[str],
        projection: dict[str, str],
        template: str,
        serde: str,
        serde_parameters: dict[str, str] | None = None,
        table_parameters: dict[str, str] | None = None,
    ) -> aws_glue.CfnTable:
        location = self.bucket.s3_url_for_object(prefix)
        table = aws_glue.CfnTable(
            self,
            f"Table{name.title().replace('_', '')}",
            catalog_id=self.database.catalog_id,
            database_name=constants.GLUE_DATABASE,
            table_input=aws_glue.CfnTable.TableInputProperty(
                name=name,
                description=description,
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "csv" if serde == CSV_SERDE else "json",
                    "projection.enabled": "true",
                    "storage.location.template": f"{location}{template}",
                    **projection,
                    **(table_parameters or {}),
                },
                partition_keys=[
                    aws_glue.CfnTable.ColumnProperty(name=key, type="string") for key in partitions
                ],
                storage_descriptor=aws_glue.CfnTable.StorageDescriptorProperty(
                    columns=columns,
                    location=location,
                    input_format=TEXT_INPUT,
                    output_format=TEXT_OUTPUT,
                    serde_info=aws_glue.CfnTable.SerdeInfoProperty(
                        serialization_library=serde, parameters=serde_parameters
                    ),
                ),
            ),
        )
        table.add_resource_dependency(self.database)
        return table
