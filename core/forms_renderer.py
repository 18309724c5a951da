from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every {{ form }} gets an error summary and labelled, hinted fields."""

    form_template_name = "fragments/form.html"
    field_template_name = "fragments/field.html"
