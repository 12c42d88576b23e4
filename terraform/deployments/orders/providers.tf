provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      "app"        = "cloud-pizza-place"
      "deployment" = "orders"
    })
  }
}
