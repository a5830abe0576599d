"""Document evidence (SPEC §5a): EvidenceFile (a projection), EvidenceAccess (an append-only
log), the requirement's current file version and expiry date, the new notification triggers."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0019_seed_screening_hit_rule'),
    ]

    operations = [
        migrations.CreateModel(
            name='EvidenceAccess',
            fields=[
                ('id', models.UUIDField(db_column='_id', editable=False, primary_key=True, serialize=False)),
                ('case_id', models.UUIDField()),
                ('version', models.IntegerField()),
                ('user', models.CharField(help_text='USER:<name> or TOKEN:<name>', max_length=200)),
                ('at', models.DateTimeField()),
                ('action', models.CharField(choices=[('VIEW', 'View'), ('DOWNLOAD', 'Download'), ('PREVIEW', 'Preview')], max_length=16)),
                ('range', models.CharField(blank=True, default='', help_text='bytes a-b served, empty: whole file', max_length=64)),
                ('request_id', models.CharField(blank=True, default='', max_length=100)),
            ],
            options={
                'db_table': 'evidence_accesses',
                'ordering': ['-at'],
            },
        ),
        migrations.CreateModel(
            name='EvidenceFile',
            fields=[
                ('id', models.UUIDField(db_column='_id', editable=False, primary_key=True, serialize=False)),
                ('case_id', models.UUIDField()),
                ('version', models.IntegerField(help_text='1, 2, 3 … per requirement')),
                ('sha256', models.CharField(max_length=64)),
                ('size', models.BigIntegerField(help_text='Bytes')),
                ('content_type', models.CharField(help_text='Sniffed from the bytes', max_length=100)),
                ('original_name', models.CharField(blank=True, default='', max_length=255)),
                ('uploaded_by', models.CharField(max_length=200)),
                ('uploaded_at', models.DateTimeField()),
                ('issued_on', models.DateField(blank=True, null=True)),
                ('expires_on', models.DateField(blank=True, null=True)),
                ('document_number', models.CharField(blank=True, default='', max_length=100)),
                ('storage_name', models.CharField(help_text="The file's name in storage", max_length=255)),
                ('deleted_at', models.DateTimeField(blank=True, null=True)),
                ('deleted_reason', models.TextField(blank=True, default='')),
                ('deleted_by', models.CharField(blank=True, default='', max_length=200)),
            ],
            options={
                'db_table': 'evidence_files',
                'ordering': ['requirement_id', '-version'],
            },
        ),
        migrations.AddField(
            model_name='documentrequirement',
            name='current_file_version',
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='documentrequirement',
            name='expires_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='notificationrule',
            name='trigger',
            field=models.CharField(choices=[('CASE_CREATED', 'Case Created'), ('DOCUMENT_STATUS_CHANGED', 'Document Status Changed'), ('CASE_STATUS_CHANGED', 'Case Status Changed'), ('CLIENT_DATA_UPDATED', 'Client Data Updated'), ('CASE_OVERDUE', 'Case Overdue'), ('SCREENING_HIT', 'Screening Hit'), ('DOCUMENT_REQUESTED', 'Document Requested'), ('DOCUMENT_EXPIRED', 'Document Expired')], max_length=32),
        ),
        migrations.AddIndex(
            model_name='documentrequirement',
            index=models.Index(fields=['status', 'expires_on'], name='req_status_expiry'),
        ),
        migrations.AddField(
            model_name='evidenceaccess',
            name='requirement',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='evidence_accesses', to='cases.documentrequirement'),
        ),
        migrations.AddField(
            model_name='evidencefile',
            name='requirement',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence_files', to='cases.documentrequirement'),
        ),
        migrations.AddField(
            model_name='evidenceaccess',
            name='file',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='accesses', to='cases.evidencefile'),
        ),
        migrations.AddIndex(
            model_name='evidencefile',
            index=models.Index(fields=['requirement', 'version'], name='evidence_requirement_version'),
        ),
        migrations.AddIndex(
            model_name='evidencefile',
            index=models.Index(fields=['expires_on'], name='evidence_expires'),
        ),
        migrations.AddIndex(
            model_name='evidenceaccess',
            index=models.Index(fields=['requirement', '-at'], name='evidence_access_recent'),
        ),
    ]
